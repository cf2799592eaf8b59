using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Queues;

/// <summary>A queue has room for a message, or was completed: what a waiting writer waits for.</summary>
internal sealed record QueueWritable(ClusterRuntime Runtime, uint Index) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) => Runtime.Watches.Change(WatchKind.QueueRoom, Index, watch);

    /// <inheritdoc />
    public bool IsReady() => NativeMethods.QueueMayHaveRoom(Runtime.RegionHandle, Index);
}
