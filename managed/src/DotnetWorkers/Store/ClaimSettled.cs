using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Store;

/// <summary>
/// A GetOrSet claim has ended somewhere in the cluster since <paramref name="Seen"/> (the
/// count read before this caller's claim found the key pending): the caller claims again.
/// The count says that some claim ended, not which: every such condition of this process
/// shares one watch.
/// </summary>
internal sealed record ClaimSettled(ClusterRuntime Runtime, ulong Seen) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) => Runtime.Watches.Change(WatchKind.Claims, 0, watch);

    /// <inheritdoc />
    public bool IsReady() => NativeMethods.StoreClaimsSettled(Runtime.RegionHandle) != Seen;
}
