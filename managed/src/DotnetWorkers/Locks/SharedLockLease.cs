namespace DotnetWorkers.Locks;

/// <summary>One hold of a <see cref="SharedLock"/>. Dispose it to release the hold (once; more disposes do nothing).</summary>
public sealed class SharedLockLease : IDisposable, IAsyncDisposable
{
    // A lease of the region's locks releases through its lock (no delegate per lease, the
    // fast path); one made by another ISharedLock (a fake) through the action it was given.
    private SharedLock? _lock;
    private Action? _release;
    private readonly MultiHost.RedisLock.Holding? _remote;

    internal SharedLockLease(SharedLock owner)
    {
        _lock = owner;
        LockName = owner.Name;
    }

    private SharedLockLease(MultiHost.RedisLock.Holding remote, string lockName)
    {
        LockName = lockName;
        _remote = remote;
        _release = remote.Dispose;
    }

    /// <summary>A hold of a lock on the server of a cluster joined across machines.</summary>
    internal static SharedLockLease OnServer(string lockName, MultiHost.RedisLock.Holding remote) => new(remote, lockName);

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

    /// <summary>
    /// Joined across machines (<c>--join</c>): this acquire's number, higher than every
    /// earlier acquire's of the lock in the whole cluster. Give it along with every write to
    /// what the lock protects, and have that refuse a number lower than the highest it has
    /// seen: a holder paused past its lease (whose lock went to another) is then refused.
    /// 0 for the locks of a cluster on one machine, whose holds cannot outlive their holder.
    /// </summary>
    public long FencingToken => _remote?.FencingToken ?? 0;

    /// <summary>
    /// Joined across machines: true once this process found that its lease ran out before it
    /// was renewed (the process was paused, or cut off from the server, for over 3 seconds)
    /// and the lock may be another's. Always false on one machine.
    /// </summary>
    public bool IsLost => _remote?.IsLost ?? false;

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
