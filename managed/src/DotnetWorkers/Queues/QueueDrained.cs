using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Queues;

/// <summary>
/// A queue was completed and its last message read: what its reader's <c>Completion</c>
/// waits for. Completion rings the message watchers, every read the room watchers.
/// </summary>
internal sealed record QueueDrained(ClusterRuntime Runtime, uint Index) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch)
    {
        Runtime.Watches.Change(WatchKind.QueueMessages, Index, watch);
        try
        {
            Runtime.Watches.Change(WatchKind.QueueRoom, Index, watch);
        }
        catch when (watch)
        {
            Runtime.Watches.Change(WatchKind.QueueMessages, Index, false);  // all or nothing
            throw;
        }
    }

    /// <inheritdoc />
    public bool IsReady() =>
        NativeMethods.QueueState(Runtime.RegionHandle, Index, out ulong count, out uint completed) != DwStatus.Ok || (completed != 0 && count == 0);
}
