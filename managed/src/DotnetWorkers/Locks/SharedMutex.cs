namespace DotnetWorkers.Locks;

/// <summary>A named mutex: one holder at a time in the whole cluster. Get one with <see cref="SharedLocks.Mutex"/>.</summary>
public sealed class SharedMutex : SharedLock
{
    internal SharedMutex(ClusterRuntime runtime, string name, uint index) : base(runtime, name, index)
    {
    }

    internal SharedMutex(ClusterRuntime runtime, string name, MultiHost.RedisLock remote) : base(runtime, name, remote)
    {
    }
}
