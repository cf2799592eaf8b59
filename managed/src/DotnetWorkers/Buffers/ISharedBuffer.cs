namespace DotnetWorkers.Buffers;

/// <summary>
/// One reference to a named block of shared bytes (<see cref="SharedBuffer"/>), as an
/// interface a fake can implement over a managed array. Dispose it to give the reference back.
/// </summary>
public interface ISharedBuffer : IDisposable
{
    /// <inheritdoc cref="SharedBuffer.Name"/>
    string Name { get; }

    /// <inheritdoc cref="SharedBuffer.Length"/>
    long Length { get; }

    /// <inheritdoc cref="SharedBuffer.Created"/>
    bool Created { get; }

    /// <inheritdoc cref="SharedBuffer.Span"/>
    Span<byte> Span { get; }

    /// <inheritdoc cref="SharedBuffer.Memory"/>
    Memory<byte> Memory { get; }

    /// <inheritdoc cref="SharedBuffer.GetSpan(long, int)"/>
    Span<byte> GetSpan(long offset, int length);
}
