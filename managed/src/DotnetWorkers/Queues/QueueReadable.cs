using DotnetWorkers.Messaging;
using DotnetWorkers.Native;

namespace DotnetWorkers.Queues;

/// <summary>A queue has a message to read, or was completed: what a waiting reader waits for.</summary>
internal sealed record QueueReadable(ClusterRuntime Runtime, uint Index) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) =>
        NativeErrors.ThrowIfFailed(NativeMethods.QueueWatch(Runtime.RegionHandle, Index, NativeMethods.QueueWatchMessages, watch ? 1u : 0u), "Watching a queue");

    /// <inheritdoc />
    public bool IsReady() =>
        NativeMethods.QueueState(Runtime.RegionHandle, Index, out ulong count, out uint completed) != DwStatus.Ok || count > 0 || completed != 0;
}
