using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// Process <paramref name="Target"/>'s inbox has room, or the process is gone (then nobody
/// will make room): what a sender to a full inbox waits for. A death rings every process.
/// </summary>
internal sealed record InboxRoom(ClusterRuntime Runtime, uint Inbox, int Target, uint TargetPid) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) => Runtime.Watches.Change(WatchKind.QueueRoom, Inbox, watch);

    /// <inheritdoc />
    public bool IsReady() => NativeMethods.QueueMayHaveRoom(Runtime.RegionHandle, Inbox) || !Runtime.IsAlive(Target, TargetPid);
}
