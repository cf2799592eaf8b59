using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// Runs what drains found on the thread pool: one work item per hand-off (not per message),
/// whose thread (the chain's runner) runs the chain's items one at a time, then polls the
/// inbox for more work and runs that too, for as long as it keeps coming, holding the poll
/// meanwhile (see <see cref="PollHold"/>). Items that wait behind one that blocks get a
/// helper (see <see cref="WorkChain"/>).
/// </summary>
/// <remarks>
/// Under steady traffic, work keeps coming and a runner would keep its thread for good. It
/// gives the thread back to the pool once per <see cref="Slice"/> if other work items wait
/// for one: with as many busy threads as cores, work handed to the pool meanwhile (a chain
/// the pump found, a helper) would otherwise wait for the pool to add a thread, which it
/// does about once a second. Letting go of the poll hands what its last drain finds to the
/// pool behind that work, and senders ring the pump again.
/// </remarks>
internal sealed class WorkRunner
{
    /// <summary>How long a runner keeps its thread before it looks whether other work waits for the pool.</summary>
    internal static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(1);

    private static readonly long SliceMilliseconds = (long)Slice.TotalMilliseconds;

    private readonly InboxPoller? _poller;
    private readonly Func<bool> _otherWorkWaits;
    private long _workItems;

    /// <param name="poller">What a runner polls for more work; null: it runs the chain it was given and stops (tests).</param>
    /// <param name="otherWorkWaits">Whether other work items wait for the thread pool (tests decide it by hand).</param>
    internal WorkRunner(InboxPoller? poller, Func<bool>? otherWorkWaits = null)
    {
        _poller = poller;
        _otherWorkWaits = otherWorkWaits ?? (static () => ThreadPool.PendingWorkItemCount > 0);
    }

    /// <summary>Work items queued so far: one per hand-off, not per message (diagnostics and tests).</summary>
    internal long WorkItems => Interlocked.Read(ref _workItems);

    /// <summary>Runs <paramref name="first"/> and the work linked behind it on a thread-pool thread, if there is any.</summary>
    internal void RunOnThreadPool(InboxWork? first)
    {
        if (first is not null)
        {
            Interlocked.Increment(ref _workItems);
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Runner.RunWhileWorkComes(state.First), (Runner: this, First: first), preferLocal: false);
        }
    }

    private void RunWhileWorkComes(InboxWork first)
    {
        long hold = 0;
        long sliceEnd = Environment.TickCount64 + SliceMilliseconds;
        try
        {
            for (InboxWork? work = first; work is not null; work = NextWork(ref hold, ref sliceEnd))
            {
                new WorkChain(work).Run(_poller?.Hold, ref hold);
            }
        }
        finally
        {
            _poller?.LetGoOfHold(ref hold);  // after the last poll none is left, unless the runner gives its thread back
        }
    }

    /// <summary>The work to run next on this thread: what the poll finds, or null to give the thread back.</summary>
    private InboxWork? NextWork(ref long hold, ref long sliceEnd)
    {
        if (_poller is null)
        {
            return null;
        }

        // The coarse clock: read after every chain, a precise one cost a few percent of a busy
        // runner's time; the slice may run to the coarse clock's tick (a few ms).
        long now = Environment.TickCount64;
        if (now >= sliceEnd)
        {
            if (_otherWorkWaits())
            {
                return null;
            }

            sliceEnd = now + SliceMilliseconds;
        }

        return _poller.PollForWork(ref hold);
    }
}
