using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Locks;

/// <summary>A hold of the lock may be free: what an async acquirer waits for (a release, or its holder's death, rings).</summary>
internal sealed record LockAvailable(ClusterRuntime Runtime, uint Index) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) => Runtime.Watches.Change(WatchKind.Lock, Index, watch);

    /// <inheritdoc />
    public bool IsReady() => NativeMethods.LockMayBeFree(Runtime.RegionHandle, Index);
}
