using System.Diagnostics.CodeAnalysis;

namespace DotnetWorkers.Locks;

/// <summary>
/// A named lock of the cluster (<see cref="SharedLock"/>: a mutex or a semaphore), as an
/// interface a fake can implement: its leases are made with
/// <see cref="SharedLockLease(string, Action)"/>.
/// </summary>
public interface ISharedLock
{
    /// <inheritdoc cref="SharedLock.Name"/>
    string Name { get; }

    /// <inheritdoc cref="SharedLock.TryAcquire(out SharedLockLease?)"/>
    bool TryAcquire([NotNullWhen(true)] out SharedLockLease? lease);

    /// <inheritdoc cref="SharedLock.Acquire(TimeSpan?, CancellationToken)"/>
    SharedLockLease Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedLock.AcquireAsync(TimeSpan?, CancellationToken)"/>
    ValueTask<SharedLockLease> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}
