namespace DotnetWorkers.Locks;

/// <summary>One hold of a <see cref="SharedLock"/>. Dispose it to release the hold (once; more disposes do nothing).</summary>
public sealed class SharedLockLease : IDisposable, IAsyncDisposable
{
    // A lease of the region's locks releases through its lock (no delegate per lease, the
    // fast path); one made by another ISharedLock (a fake) through the action it was given.
    private SharedLock? _lock;
    private Action? _release;

    internal SharedLockLease(SharedLock owner)
    {
        _lock = owner;
        LockName = owner.Name;
    }

    /// <summary>A lease for an <see cref="ISharedLock"/> of your own (a fake in a test): disposing it calls <paramref name="release"/> once.</summary>
    /// <param name="lockName">The name of the lock it holds.</param>
    /// <param name="release">Releases the hold.</param>
    public SharedLockLease(string lockName, Action release)
    {
        ArgumentNullException.ThrowIfNull(lockName);
        ArgumentNullException.ThrowIfNull(release);
        LockName = lockName;
        _release = release;
    }

    /// <summary>The lock this lease holds.</summary>
    public string LockName { get; }

    /// <summary>Releases the hold.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _lock, null)?.Release();
        Interlocked.Exchange(ref _release, null)?.Invoke();
    }

    /// <summary>Releases the hold.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
