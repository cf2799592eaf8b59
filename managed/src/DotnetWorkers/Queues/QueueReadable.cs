using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Queues;

/// <summary>A queue has a message to read, or was completed: what a waiting reader waits for.</summary>
internal sealed record QueueReadable(ClusterRuntime Runtime, uint Index) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) => Runtime.Watches.Change(WatchKind.QueueMessages, Index, watch);

    /// <inheritdoc />
    public bool IsReady() => NativeMethods.QueueMayHaveMessage(Runtime.RegionHandle, Index);
}
