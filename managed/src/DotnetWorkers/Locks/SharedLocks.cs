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

    internal SharedLocks(ClusterRuntime runtime) => _runtime = runtime;

    /// <summary>The mutex <paramref name="name"/>: one holder at a time in the whole cluster.</summary>
    /// <exception cref="InvalidOperationException">The name is a semaphore.</exception>
    public SharedMutex Mutex(string name) =>
        _runtime.Link is { } link ? new(_runtime, name, new MultiHost.RedisLock(link, Checked(name), 1)) : new(_runtime, name, Open(name, NativeMethods.LockMutex, 1));

    /// <summary>The semaphore <paramref name="name"/>: at most <paramref name="count"/> holders at a time.</summary>
    /// <exception cref="InvalidOperationException">The name is a mutex, or a semaphore with another count.</exception>
    public SharedSemaphore Semaphore(string name, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ushort.MaxValue);
        return _runtime.Link is { } link
            ? new SharedSemaphore(_runtime, name, count, new MultiHost.RedisLock(link, Checked(name), count))
            : new SharedSemaphore(_runtime, name, count, Open(name, NativeMethods.LockSemaphore, (uint)count));
    }

    ISharedLock ISharedLocks.Mutex(string name) => Mutex(name);

    ISharedLock ISharedLocks.Semaphore(string name, int count) => Semaphore(name, count);

    /// <summary>The name, if it is one the region's locks would take too (an app moves between one machine and many unchanged).</summary>
    private static string Checked(string name)
    {
        Span<byte> nameBuffer = stackalloc byte[Utf8Name.MaxNameBytes];
        _ = Utf8Name.Encode(name, nameBuffer, "lock name", nameof(name));
        return name;
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
