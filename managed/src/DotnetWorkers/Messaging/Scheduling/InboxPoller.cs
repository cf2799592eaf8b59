using System.Diagnostics;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// Threads that expect a message within microseconds drain the inbox themselves for a
/// bounded time instead of sleeping until the pump hands them work: a futex wake-up costs
/// ~25 µs on a small VM, more than a whole round trip. A caller polls for its call's answer
/// (<see cref="PollUntil"/>); a <see cref="WorkRunner"/> that ran a chain polls for more
/// work (<see cref="PollForWork"/>) and keeps its hold on the poll while it runs what it
/// found (<see cref="PollHold"/>). While a process polls, senders skip the doorbell's wake-up
/// (the doorbell's <c>polling</c> count, docs/protocol.md section 13). At most one thread
/// polls per process: more would only take cores from the work.
/// </summary>
internal sealed class InboxPoller
{
    /// <summary>How long a caller polls the inbox for its answer, inside its call, before it awaits.</summary>
    internal static readonly long CallerPollTicks = Stopwatch.Frequency * 50 / 1_000_000;

    /// <summary>
    /// How long a runner polls for more work before it lets go. Longer than a caller's poll:
    /// a runner that lets go costs the next message a doorbell ring and the work a thread
    /// hop (about 50 µs in all on a small VM), and it was idle anyway.
    /// </summary>
    internal static readonly long RunnerPollTicks = Stopwatch.Frequency * 200 / 1_000_000;

    private readonly ClusterRuntime _runtime;
    private readonly InboxDrain _drain;
    private readonly Action<InboxWork?> _handOff;
    private volatile bool _stopped;
    private int _pollers;

    /// <param name="runtime">This process (its doorbell's polling count, and its own doorbell).</param>
    /// <param name="drain">The inbox drain polled.</param>
    /// <param name="handOff">Where work found for nobody polling goes (a <see cref="WorkRunner"/> on the thread pool).</param>
    internal InboxPoller(ClusterRuntime runtime, InboxDrain drain, Action<InboxWork?> handOff)
    {
        _runtime = runtime;
        _drain = drain;
        _handOff = handOff;
        Hold = new PollHold(LetGoOfPollForStuckHolder, RingOwnDoorbell, () => _drain.Passes);
    }

    /// <summary>The hold a runner keeps on the poll across the items it runs.</summary>
    internal PollHold Hold { get; }

    /// <summary>Threads polling now (0 or 1), or letting go of the poll.</summary>
    internal int Pollers => Volatile.Read(ref _pollers);

    /// <summary>
    /// A caller about to await <paramref name="awaited"/> (its call's answer): polls the inbox
    /// for a bounded time, so the answer usually arrives without a thread wake-up on either
    /// side, and runs it here if found (the caller's task has no continuation yet, so no
    /// other code runs on this thread). Other work found meanwhile is handed on at once.
    /// </summary>
    internal void PollUntil(InboxWork awaited)
    {
        if (!BeginPolling())
        {
            return;
        }

        var found = new DrainFindings { Awaited = awaited };
        try
        {
            PollUntilFound(ref found, keepWork: false, CallerPollTicks);
        }
        finally
        {
            EndPolling(ref found, keepWork: false);
        }

        if (found.AwaitedFound)
        {
            awaited.Run();
        }
    }

    /// <summary>
    /// A runner that ran a chain: polls the inbox for a bounded time and returns the work
    /// found, to run on this same thread. The runner keeps holding the poll
    /// (<paramref name="hold"/>, 0 for none) while it runs it; when none came, it lets go
    /// (and gets what the last look found).
    /// </summary>
    internal InboxWork? PollForWork(ref long hold)
    {
        var found = default(DrainFindings);
        if (hold == 0)
        {
            if (!BeginPolling())
            {
                return null;
            }

            hold = Hold.Start();
        }
        else if (_stopped)
        {
            LetGoOfHold(ref hold, ref found);  // Stop() waits for it
            return found.Work.Take();
        }

        bool kept = false;
        try
        {
            PollUntilFound(ref found, keepWork: true, RunnerPollTicks);
            kept = found.Work.First is not null;
        }
        finally
        {
            if (!kept)
            {
                LetGoOfHold(ref hold, ref found);  // its last drain may still find some: they are returned
            }
        }

        return found.Work.Take();
    }

    /// <summary>
    /// A runner leaves without polling again: lets go of its hold on the poll, if it still
    /// has it, handing on what the last drain finds.
    /// </summary>
    internal void LetGoOfHold(ref long hold)
    {
        var found = default(DrainFindings);
        LetGoOfHold(ref hold, ref found);
        _handOff(found.Work.Take());
    }

    /// <summary>No thread starts polling from now on; <see cref="Pollers"/> tells when those at it are gone.</summary>
    internal void Stop()
    {
        _stopped = true;
        Interlocked.MemoryBarrier();
    }

    private void LetGoOfHold(ref long hold, ref DrainFindings found)
    {
        long id = hold;
        hold = 0;
        if (id != 0 && Hold.End(id))
        {
            EndPolling(ref found, keepWork: true);
        }
    }

    /// <summary>
    /// Drains the inbox until <paramref name="found"/> holds what the poller waits for (its
    /// awaited item, or any work if it keeps work), or <paramref name="pollTicks"/> have
    /// passed. After a look that found nothing it yields the core rather than spinning on it:
    /// with as many busy threads as cores, the thread that would send the awaited message may
    /// be waiting for this core.
    /// </summary>
    private void PollUntilFound(ref DrainFindings found, bool keepWork, long pollTicks)
    {
        // The clock is first read after a look that found nothing: under traffic the first
        // look finds the work, and a clock read per poll was a percent of a busy process's time.
        long until = 0;
        while (found.Awaited?.HasRun != true)
        {
            bool work = _drain.Drain(ref found, out _);
            if (found.AwaitedFound || (keepWork && found.Work.First is not null))
            {
                return;
            }

            _handOff(found.Work.Take());
            if (!work)
            {
                Thread.Yield();
            }

            long now = Stopwatch.GetTimestamp();
            if (until == 0)
            {
                until = now + pollTicks;
            }
            else if (now >= until)
            {
                return;
            }
        }
    }

    /// <summary>At most one poller per process: more would only take cores from the work.</summary>
    private bool BeginPolling()
    {
        if (!_drain.IsStarted || _stopped)
        {
            return false;
        }

        // Counted before the second look at _stopped: Stop()'s caller waits for the count to drop.
        if (Interlocked.Increment(ref _pollers) != 1 || _stopped)
        {
            Interlocked.Decrement(ref _pollers);
            return false;
        }

        NativeMethods.DoorbellPolling(_runtime.RegionHandle, 1);
        return true;
    }

    /// <summary>
    /// Stops polling: drops the polling count, then drains once more (a writer that saw the
    /// count skipped the wake-up, and its message was committed before it looked); what is
    /// left for another pass goes to the pump with a forced ring, so that this thread returns
    /// promptly. Work found is kept in <paramref name="found"/> or handed on. Only then does
    /// it leave the pollers, which <see cref="Stop"/>'s caller waits for.
    /// </summary>
    private void EndPolling(ref DrainFindings found, bool keepWork)
    {
        try
        {
            NativeMethods.DoorbellPolling(_runtime.RegionHandle, -1);
            _drain.Drain(ref found, out bool more);
            if (!keepWork)
            {
                _handOff(found.Work.Take());
            }

            if (more && !_stopped)
            {
                NativeMethods.DoorbellRing(_runtime.RegionHandle, (uint)_runtime.WorkerId);
            }
        }
        catch (ObjectDisposedException) when (_stopped)
        {
            // Stop()'s caller gave up waiting for this poller (a chain ran past its bound) and
            // the region is released (tests): there is nothing left to let go of.
        }
        finally
        {
            Interlocked.Decrement(ref _pollers);
        }
    }

    /// <summary>
    /// The watchdog revoked the hold of a runner stuck inside an item: lets go of the poll
    /// for it, and rings this process's doorbell so that the pump drains what the senders,
    /// seeing the poll, did not ring for.
    /// </summary>
    private void LetGoOfPollForStuckHolder()
    {
        try
        {
            // Stop()'s caller waits for the pollers, this one included: the region is still there.
            NativeMethods.DoorbellPolling(_runtime.RegionHandle, -1);
            RingOwnDoorbell();
        }
        finally
        {
            Interlocked.Decrement(ref _pollers);
        }
    }

    /// <summary>The watchdog rings for a holder that is not draining: the pump drains in its place.</summary>
    private void RingOwnDoorbell()
    {
        if (!_stopped)
        {
            NativeMethods.DoorbellRing(_runtime.RegionHandle, (uint)_runtime.WorkerId);
        }
    }
}
