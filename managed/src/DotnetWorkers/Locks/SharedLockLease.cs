namespace DotnetWorkers.Locks;

/// <summary>One hold of a <see cref="SharedLock"/>. Dispose it to release the hold (once; more disposes do nothing).</summary>
public sealed class SharedLockLease : IDisposable, IAsyncDisposable
{
    private SharedLock? _lock;

    internal SharedLockLease(SharedLock owner) => _lock = owner;

    /// <summary>The lock this lease holds.</summary>
    public string LockName => Volatile.Read(ref _lock)?.Name ?? string.Empty;

    /// <summary>Releases the hold.</summary>
    public void Dispose() => Interlocked.Exchange(ref _lock, null)?.Release();

    /// <summary>Releases the hold.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
