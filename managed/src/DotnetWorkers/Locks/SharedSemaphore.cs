namespace DotnetWorkers.Locks;

/// <summary>
/// A named counting semaphore: at most <see cref="MaxCount"/> holders at a time in the whole
/// cluster (MemSync's writer limit). Get one with <see cref="SharedLocks.Semaphore"/>.
/// </summary>
public sealed class SharedSemaphore : SharedLock
{
    internal SharedSemaphore(ClusterRuntime runtime, string name, int maxCount, uint index) : base(runtime, name, index) =>
        MaxCount = maxCount;

    internal SharedSemaphore(ClusterRuntime runtime, string name, int maxCount, MultiHost.RedisLock remote) : base(runtime, name, remote) =>
        MaxCount = maxCount;

    /// <summary>How many holders it admits at once.</summary>
    public int MaxCount { get; }
}
