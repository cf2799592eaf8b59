using DotnetWorkers.Messaging;
using DotnetWorkers.Native;

namespace DotnetWorkers.Queues;

/// <summary>A queue has room for a message, or was completed: what a waiting writer waits for.</summary>
internal sealed record QueueWritable(ClusterRuntime Runtime, uint Index) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) =>
        NativeErrors.ThrowIfFailed(NativeMethods.QueueWatch(Runtime.RegionHandle, Index, NativeMethods.QueueWatchRoom, watch ? 1u : 0u), "Watching a queue");

    /// <inheritdoc />
    public bool IsReady() => NativeMethods.QueueMayHaveRoom(Runtime.RegionHandle, Index);
}
