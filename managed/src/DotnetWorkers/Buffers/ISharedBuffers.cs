namespace DotnetWorkers.Buffers;

/// <summary>
/// Named blocks of shared bytes (<see cref="SharedBuffers"/>, <c>Cluster.Buffers</c>), as an
/// interface: what dependency injection hands out, so code that uses buffers can be tested
/// with a fake.
/// </summary>
public interface ISharedBuffers
{
    /// <inheritdoc cref="SharedBuffers.Count"/>
    int Count { get; }

    /// <inheritdoc cref="SharedBuffers.Open(string, long)"/>
    ISharedBuffer Open(string name, long size);

    /// <inheritdoc cref="SharedBuffers.OpenExisting(string)"/>
    ISharedBuffer OpenExisting(string name);
}
