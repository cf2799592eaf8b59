using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Waiting;

/// <summary>
/// This process's watches in the region, counted: one bit per process and thing in the
/// region, but several waiting conditions here may need the same one (readers of a queue
/// and a task awaiting its completion; GetOrSet waiters that saw different counts). The
/// first one on sets the bit, the last one off clears it.
/// </summary>
internal sealed class RegionWatches(ClusterRuntime runtime)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(WatchKind Kind, uint Index), int> _counts = [];

    /// <summary>One more (<paramref name="watch"/> true) or one fewer condition needs this watch.</summary>
    internal void Change(WatchKind kind, uint index, bool watch)
    {
        lock (_gate)
        {
            int before = _counts.GetValueOrDefault((kind, index));
            int after = before + (watch ? 1 : -1);
            if (after < 0)
            {
                throw new InvalidOperationException($"A {kind} watch of {index} was stopped more often than started.");
            }

            if ((before == 0) != (after == 0))
            {
                NativeErrors.ThrowIfFailed(Set(kind, index, watch ? 1u : 0u), $"Watching ({kind} {index})");
            }

            if (after == 0)
            {
                _counts.Remove((kind, index));
            }
            else
            {
                _counts[(kind, index)] = after;
            }
        }
    }

    private DwStatus Set(WatchKind kind, uint index, uint on) => kind switch
    {
        WatchKind.QueueMessages => NativeMethods.QueueWatch(runtime.RegionHandle, index, NativeMethods.QueueWatchMessages, on),
        WatchKind.QueueRoom => NativeMethods.QueueWatch(runtime.RegionHandle, index, NativeMethods.QueueWatchRoom, on),
        WatchKind.Lock => NativeMethods.LockWatch(runtime.RegionHandle, index, on),
        _ => NativeMethods.StoreWatchClaims(runtime.RegionHandle, on),
    };
}
