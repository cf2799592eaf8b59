using DotnetWorkers.Native;
using DotnetWorkers.Store;

namespace DotnetWorkers.Locks;

/// <summary>
/// Named cross-process locks. The same name gives the same lock in every process of the
/// cluster. A lock whose holder dies is handed to the next acquirer, who is told
/// (<see cref="SharedLockAbandonedException"/>): nothing deadlocks.
/// </summary>
/// <remarks>Names are 1 to 128 bytes of UTF-8; a cluster has at most 256 named locks, which live
/// as long as the cluster.</remarks>
public sealed unsafe class SharedLocks : ISharedLocks
{
    private readonly ClusterRuntime _runtime;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Name, int Slots), MultiHost.RedisLock> _onServer = new();

    internal SharedLocks(ClusterRuntime runtime) => _runtime = runtime;

    /// <summary>The mutex <paramref name="name"/>: one holder at a time in the whole cluster.</summary>
    /// <exception cref="InvalidOperationException">The name is a semaphore.</exception>
    public SharedMutex Mutex(string name) =>
        _runtime.Link is { } link ? new(_runtime, name, OnServer(link, name, 1)) : new(_runtime, name, Open(name, NativeMethods.LockMutex, 1));

    /// <summary>The semaphore <paramref name="name"/>: at most <paramref name="count"/> holders at a time.</summary>
    /// <exception cref="InvalidOperationException">The name is a mutex, or a semaphore with another count.</exception>
    public SharedSemaphore Semaphore(string name, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ushort.MaxValue);
        return _runtime.Link is { } link
            ? new SharedSemaphore(_runtime, name, count, OnServer(link, name, count))
            : new SharedSemaphore(_runtime, name, count, Open(name, NativeMethods.LockSemaphore, (uint)count));
    }

    ISharedLock ISharedLocks.Mutex(string name) => Mutex(name);

    ISharedLock ISharedLocks.Semaphore(string name, int count) => Semaphore(name, count);

    /// <summary>
    /// Joined across machines: the lock on the server, one per name in this process (its
    /// release notices are one subscription, however often the name is opened). The name must
    /// be one the region's locks would take too: an app moves between one machine and many unchanged.
    /// </summary>
    private MultiHost.RedisLock OnServer(MultiHost.HostLink link, string name, int slots)
    {
        Span<byte> nameBuffer = stackalloc byte[Utf8Name.MaxNameBytes];
        _ = Utf8Name.Encode(name, nameBuffer, "lock name", nameof(name));
        return _onServer.GetOrAdd((name, slots), static (key, link) => new MultiHost.RedisLock(link, key.Name, key.Slots), link);
    }

    private uint Open(string name, uint kind, uint count)
    {
        Span<byte> nameBuffer = stackalloc byte[Utf8Name.MaxNameBytes];
        ReadOnlySpan<byte> n = Utf8Name.Encode(name, nameBuffer, "lock name", nameof(name));
        uint index;
        fixed (byte* np = n)
        {
            NativeErrors.ThrowIfFailed(NativeMethods.LockOpen(_runtime.RegionHandle, np, (uint)n.Length, kind, count, &index),
                $"Opening the lock '{name}'");
        }

        return index;
    }
}
