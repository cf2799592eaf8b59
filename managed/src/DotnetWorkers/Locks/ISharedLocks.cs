namespace DotnetWorkers.Locks;

/// <summary>
/// Named cross-process locks (<see cref="SharedLocks"/>, <c>Cluster.Locks</c>), as an
/// interface: what dependency injection hands out, so code that takes locks can be tested
/// with a fake.
/// </summary>
public interface ISharedLocks
{
    /// <inheritdoc cref="SharedLocks.Mutex(string)"/>
    ISharedLock Mutex(string name);

    /// <inheritdoc cref="SharedLocks.Semaphore(string, int)"/>
    ISharedLock Semaphore(string name, int count);
}
