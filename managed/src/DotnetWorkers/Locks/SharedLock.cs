using DotnetWorkers.Native;

namespace DotnetWorkers.Locks;

/// <summary>
/// What <see cref="SharedMutex"/> and <see cref="SharedSemaphore"/> share: acquiring with a
/// timeout and cancellation, blocking the thread (<see cref="Acquire"/>: woken by the kernel
/// at once when the lock is released) or not (<see cref="AcquireAsync"/>: no thread is held;
/// the release rings this process, which looks again at once). Holds belong to the process, not to a
/// thread: a lease taken before an <c>await</c> may be released after it, on another thread.
/// Not reentrant: a second acquire in the same process waits like any other.
/// </summary>
public abstract class SharedLock : ISharedLock
{
    // A waiting acquire sleeps in the kernel in slices this long, to notice cancellation.
    private const int WaitSliceMs = 50;

    private readonly ClusterRuntime _runtime;
    private readonly uint _index;
    private readonly LockAvailable? _available;

    // Joined across machines (--join): the lock is on the server instead of in the region.
    private readonly MultiHost.RedisLock? _remote;

    private protected SharedLock(ClusterRuntime runtime, string name, uint index)
    {
        _runtime = runtime;
        Name = name;
        _index = index;
        _available = new LockAvailable(runtime, index);
    }

    private protected SharedLock(ClusterRuntime runtime, string name, MultiHost.RedisLock remote)
    {
        _runtime = runtime;
        Name = name;
        _remote = remote;
    }

    /// <summary>The lock's name.</summary>
    public string Name { get; }

    /// <summary>Takes a hold if one is free now; never waits.</summary>
    /// <exception cref="SharedLockAbandonedException">Acquired, from a holder that died: see its <c>Lease</c>.</exception>
    public bool TryAcquire([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SharedLockLease? lease)
    {
        if (_remote is not null)
        {
            lease = TryAcquireRemote(_remote);
            return lease is not null;
        }

        DwStatus status = NativeMethods.LockAcquire(_runtime.RegionHandle, _index, 0);
        lease = status is DwStatus.Ok or DwStatus.Abandoned ? new SharedLockLease(this) : null;
        ThrowIfAbandonedOrFailed(status, lease, allowTimeout: true);
        return lease is not null;
    }

    /// <summary>Waits (blocking this thread) for a hold, at most <paramref name="timeout"/> (none: forever).</summary>
    /// <exception cref="TimeoutException">No hold came free in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="SharedLockAbandonedException">Acquired, from a holder that died: see its <c>Lease</c>.</exception>
    public SharedLockLease Acquire(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_remote is not null)
        {
            return AcquireRemote(_remote, timeout, cancellationToken);
        }

        long deadline = Deadline(timeout);

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long slice = deadline == long.MaxValue ? WaitSliceMs : Math.Clamp(deadline - Environment.TickCount64, 0, WaitSliceMs);
            DwStatus status = NativeMethods.LockAcquire(_runtime.RegionHandle, _index, slice);
            if (status is DwStatus.Ok or DwStatus.Abandoned)
            {
                var lease = new SharedLockLease(this);
                ThrowIfAbandonedOrFailed(status, lease, allowTimeout: false);
                return lease;
            }

            ThrowIfAbandonedOrFailed(status, null, allowTimeout: true);
            if (Environment.TickCount64 >= deadline)
            {
                throw new TimeoutException($"The lock '{Name}' was not acquired within {timeout}.");
            }
        }
    }

    /// <summary>
    /// Waits for a hold without blocking any thread: it tries at once, then each time a hold
    /// comes free (a release or a holder's death rings this process), until the timeout or
    /// cancellation. Pass the timeout and token here rather than abandoning the task: a task
    /// nobody awaits can still acquire the lock, and nobody would release it.
    /// </summary>
    /// <inheritdoc cref="Acquire" path="/exception"/>
    public ValueTask<SharedLockLease> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_remote is not null)
        {
            return AcquireRemoteAsync(_remote, timeout, cancellationToken);
        }

        long deadline = Deadline(timeout);
        if (TryAcquire(out SharedLockLease? lease))
        {
            return new ValueTask<SharedLockLease>(lease);
        }

        return WaitAsync(timeout, deadline, cancellationToken);
    }

    private async ValueTask<SharedLockLease> WaitAsync(TimeSpan? timeout, long deadline, CancellationToken cancellationToken)
    {
        using CancellationTokenSource? bound = deadline == long.MaxValue ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound?.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)));
        while (true)
        {
            try
            {
                // A release (or the holder's death) rings this process; then look again.
                await _runtime.Messaging.WaitAsync(_available!, bound?.Token ?? cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (bound is not null && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The lock '{Name}' was not acquired within {timeout}.");
            }

            if (TryAcquire(out SharedLockLease? lease))
            {
                return lease;
            }
        }
    }

    /// <summary>
    /// The server's lock, blocking this thread: a look, then a wait for the next release (taken
    /// before the look, so that one in between is not missed) or the poll (an expiry sends
    /// no notice), until the deadline.
    /// </summary>
    private SharedLockLease AcquireRemote(MultiHost.RedisLock remote, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long deadline = Deadline(timeout);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task released = remote.NextRelease();
            if (TryAcquireRemote(remote) is { } lease)
            {
                return lease;
            }

            _ = released.Wait(RemoteWait(deadline, timeout), cancellationToken);
        }
    }

    /// <summary>As <see cref="AcquireRemote"/>, without blocking a thread while it waits.</summary>
    private async ValueTask<SharedLockLease> AcquireRemoteAsync(MultiHost.RedisLock remote, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long deadline = Deadline(timeout);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task released = remote.NextRelease();
            if (ToLease(await remote.TryAcquireAsync().ConfigureAwait(false)) is { } lease)
            {
                return lease;
            }

            await Task.WhenAny(released, Task.Delay(RemoteWait(deadline, timeout), cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>How long the next wait for the server's lock may last: the poll, or what is left of the timeout (which ran out: <see cref="TimeoutException"/>).</summary>
    private int RemoteWait(long deadline, TimeSpan? timeout)
    {
        long left = deadline == long.MaxValue ? long.MaxValue : deadline - Environment.TickCount64;
        if (left <= 0)
        {
            throw new TimeoutException($"The lock '{Name}' was not acquired within {timeout}.");
        }

        return (int)Math.Min(left, (long)MultiHost.RedisStore.WaitPoll.TotalMilliseconds);
    }

    /// <summary>A slot of the server's lock, as a lease (told if its last holder never let go).</summary>
    private SharedLockLease? TryAcquireRemote(MultiHost.RedisLock remote) => ToLease(remote.TryAcquire());

    /// <inheritdoc cref="TryAcquireRemote"/>
    private SharedLockLease? ToLease(MultiHost.RedisLock.Holding? holding)
    {
        if (holding is null)
        {
            return null;
        }

        var lease = SharedLockLease.OnServer(Name, holding);
        if (holding.Abandoned)
        {
            throw new SharedLockAbandonedException(
                $"The lock '{Name}' was acquired, but its previous holder never released it (it died, or lost the server past its {MultiHost.RedisLock.LeaseLifetime.TotalSeconds:0} s lease): what it protects may be inconsistent.",
                lease);
        }

        return lease;
    }

    internal void Release()
    {
        NativeErrors.ThrowIfFailed(NativeMethods.LockRelease(_runtime.RegionHandle, _index), $"Releasing the lock '{Name}'");
    }

    private static long Deadline(TimeSpan? timeout)
    {
        if (timeout is not { } t || t == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(t, TimeSpan.Zero, nameof(timeout));
        return Environment.TickCount64 + (long)t.TotalMilliseconds;
    }

    private void ThrowIfAbandonedOrFailed(DwStatus status, SharedLockLease? lease, bool allowTimeout)
    {
        if (status == DwStatus.Abandoned)
        {
            throw new SharedLockAbandonedException(
                $"The lock '{Name}' was acquired, but its previous holder died holding it: what it protects may be inconsistent.", lease!);
        }

        if (status != DwStatus.Ok && !(allowTimeout && status == DwStatus.Timeout))
        {
            NativeErrors.ThrowIfFailed(status, $"Acquiring the lock '{Name}'");
        }
    }
}
