using System.Runtime.InteropServices;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Messaging;

/// <summary>
/// This process's message pump. It runs on the lifetime thread (the foreground thread that
/// keeps a worker alive), which sleeps on the process's doorbell: every message committed
/// to the inbox, every queue this process waits on, a process dying and shutdown ring it.
/// On each ring it drains the inbox (handing requests and answers to the thread pool,
/// delivering events), wakes local readers of shared queues, and fails calls whose target
/// died. It never runs user code itself.
/// </summary>
/// <remarks>
/// A futex wake-up costs ~25 µs on a small VM, more than a whole round trip, so threads that
/// expect a message soon poll the inbox themselves for a bounded time instead
/// (<see cref="PollUntil"/>, <see cref="PollForRequests"/>, <see cref="PollForAnswers"/>):
/// a caller waiting for its answer, a chain runner that served requests or published
/// answers and expects more. While one polls, writers skip the kernel wake-up; a chain
/// runner keeps its hold on the poll while it runs what it found (<see cref="PollHold"/>).
/// Only one thread drains the inbox at a time (so messages from one sender are read in
/// order), and at most one polls.
/// </remarks>
internal sealed unsafe class Dispatcher
{
    /// <summary>After a ring that brought work, the pump polls its doorbell this long before sleeping: a futex wake-up costs more than a quick answer.</summary>
    internal const long SpinMicroseconds = 50;

    private const int MaxMessagesPerPump = 512;

    /// <summary>How long a caller polls the inbox for its answer, inside its call, before it awaits.</summary>
    internal static readonly long CallerPollTicks = System.Diagnostics.Stopwatch.Frequency * 50 / 1_000_000;

    /// <summary>
    /// How long a chain runner polls for more work before it lets go. Longer than a caller's
    /// poll: a runner that lets go costs the next message a doorbell ring and the work a
    /// thread hop (about 50 µs in all on a small VM), and it was idle anyway.
    /// </summary>
    internal static readonly long RunnerPollTicks = System.Diagnostics.Stopwatch.Frequency * 200 / 1_000_000;

    private readonly ClusterRuntime _runtime;
    private readonly Lock _gate = new();
    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
    private volatile bool _started;
    private volatile bool _stopped;
    private int _draining;
    private int _lookWanted;
    private long _drainPasses;
    private int _pollers;

    internal Dispatcher(ClusterRuntime runtime)
    {
        _runtime = runtime;
        Inboxes = new Inboxes(runtime);
        Registry = new Registry(runtime);
        Client = new Rpc.RpcClient(runtime, this);
        Server = new Rpc.RpcServer(runtime, this);
        Events = new DotnetWorkers.Events.SharedEvents(runtime, this);
        Hold = new PollHold(LetGoOfPollForStuckHolder, RingForAHolder, () => Volatile.Read(ref _drainPasses));
    }

    internal Inboxes Inboxes { get; }

    /// <summary>Tasks of this process waiting for something other processes do; woken by the drains.</summary>
    internal DoorbellWaiters Waiters { get; } = new();

    internal Registry Registry { get; }

    internal Rpc.RpcClient Client { get; }

    internal Rpc.RpcServer Server { get; }

    internal DotnetWorkers.Events.SharedEvents Events { get; }

    /// <summary>The hold a chain runner keeps on the poll across the items it runs.</summary>
    internal PollHold Hold { get; }

    /// <summary>
    /// Opens this process's inbox (dropping what a dead process with the same id left in it)
    /// and starts pumping. Called by every messaging feature before first use.
    /// </summary>
    internal void EnsureStarted()
    {
        if (_started)
        {
            return;
        }

        lock (_gate)
        {
            if (_started)
            {
                return;
            }

            // Drop what a dead process with this id left. Pinned anew for every read: a message
            // too big for the buffer replaces it.
            uint inbox = Inboxes.IndexOf(_runtime.WorkerId);
            while (true)
            {
                uint length;
                DwStatus status;
                fixed (byte* p = _buffer)
                {
                    status = NativeMethods.QueueTryRead(_runtime.RegionHandle, inbox, p, (uint)_buffer.Length, out length);
                }

                if (status == DwStatus.BufferTooSmall)
                {
                    _buffer = GC.AllocateUninitializedArray<byte>((int)Math.Max(length, (uint)_buffer.Length * 2), pinned: true);
                }
                else if (status != DwStatus.Ok)
                {
                    break;
                }
            }

            NativeErrors.ThrowIfFailed(NativeMethods.QueueWatch(_runtime.RegionHandle, inbox, NativeMethods.QueueWatchMessages, 1), "Watching this process's inbox");
            _started = true;
        }

        _runtime.Lifetime.EnsurePumping();
    }

    /// <summary>
    /// Drains everything that may have rung the doorbell, pass after pass while one is due,
    /// and fails calls to dead processes (the lifetime thread). True if
    /// there was work and no other thread polls: then more is likely soon, worth a short spin.
    /// </summary>
    internal bool Pump()
    {
        if (!_started)
        {
            return false;
        }

        var drained = default(Drained);
        bool work = false, more;
        do
        {
            work |= Drain(ref drained, out more);
            drained.HandOff(this);  // never user code on the lifetime thread
        }
        while (more);

        Client.FailCallsToDeadProcesses();
        return work && Volatile.Read(ref _pollers) == 0;
    }

    /// <summary>
    /// One pass over the inbox (at most <see cref="MaxMessagesPerPump"/> messages) and the
    /// queue waiters, unless another thread is at it; true if it found work. What it found
    /// waits in <paramref name="drained"/> for the caller to run or hand off.
    /// <paramref name="more"/> tells that another pass is due: the pass stopped at its cap,
    /// or a thread wanted a look while this one held the drain (a ring that found the drain
    /// taken). The caller then drains again, or rings this process's doorbell so that the
    /// dispatcher does. Nothing here touches the region after letting go of the drain:
    /// <see cref="Stop"/> waits for the drain and the pollers (and the calls being served).
    /// </summary>
    private bool Drain(ref Drained drained, out bool more)
    {
        more = false;
        Volatile.Write(ref _lookWanted, 1);  // seen by the holder after it lets go, if the drain is taken
        if (Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
        {
            return false;
        }

        bool work = false, capped = false;
        try
        {
            if (_stopped)
            {
                return false;  // taken after Stop() looked: it must not touch the region
            }

            Interlocked.Exchange(ref _lookWanted, 0);  // this pass is the look everyone before it wanted
            Volatile.Write(ref _drainPasses, _drainPasses + 1);  // only the drain's holder writes it
            int handled = DrainInbox(ref drained);
            capped = handled == MaxMessagesPerPump;
            work = handled > 0;
            work |= Waiters.WakeReady();
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
        }

        Interlocked.MemoryBarrier();
        more = capped || Volatile.Read(ref _lookWanted) != 0;
        return work;
    }

    /// <summary>
    /// A caller about to await its call's answer: polls the inbox for a bounded time, so the
    /// answer usually arrives without a thread wake-up on either side, and publishes it here
    /// (the task has no continuation yet, so no other code runs on this thread). Other
    /// answers and requests found meanwhile go to the thread pool at once.
    /// </summary>
    internal void PollUntil(Rpc.PendingCall own)
    {
        if (!BeginPolling())
        {
            return;
        }

        var drained = new Drained { Own = own };
        try
        {
            PollUntilFound(ref drained, CallerPollTicks);
        }
        finally
        {
            EndPolling(ref drained);
        }

        if (drained.OwnAnswered)
        {
            own.Publish();
        }
    }

    /// <summary>
    /// A chain runner (a thread-pool thread that just served a chain of requests): polls the
    /// inbox for a bounded time and returns the next requests to serve on this same thread,
    /// if any came. The runner keeps holding the poll (<paramref name="hold"/>, 0 for none)
    /// while it serves them; when none came, it lets go. Answers found meanwhile go to the
    /// thread pool at once.
    /// </summary>
    internal Rpc.RpcServer.IncomingCall? PollForRequests(ref long hold)
    {
        var drained = new Drained { KeepRequests = true };
        PollHolding(ref hold, ref drained);
        return drained.Requests.Take();
    }

    /// <summary>
    /// A chain runner that just published a chain of answers: as <see cref="PollForRequests"/>,
    /// for answers. Requests found meanwhile go to the thread pool at once.
    /// </summary>
    internal Rpc.PendingCall? PollForAnswers(ref long hold)
    {
        var drained = new Drained { KeepAnswers = true };
        PollHolding(ref hold, ref drained);
        return drained.Answers.Take();
    }

    /// <summary>
    /// A chain runner leaves without polling again: lets go of its hold on the poll, if it
    /// still has it, handing what the last drain finds to the thread pool.
    /// </summary>
    internal void LetGoOfHold(ref long hold)
    {
        var drained = default(Drained);
        LetGoOfHold(ref hold, ref drained);
    }

    private void PollHolding(ref long hold, ref Drained drained)
    {
        if (hold == 0)
        {
            if (!BeginPolling())
            {
                return;
            }

            hold = Hold.Start();
        }
        else if (_stopped)
        {
            LetGoOfHold(ref hold, ref drained);  // Stop() waits for it
            return;
        }

        bool found = false;
        try
        {
            PollUntilFound(ref drained, RunnerPollTicks);
            found = drained.Found;
        }
        finally
        {
            if (!found)
            {
                LetGoOfHold(ref hold, ref drained);  // its last drain may still find some: they are returned
            }
        }
    }

    private void LetGoOfHold(ref long hold, ref Drained drained)
    {
        long id = hold;
        hold = 0;
        if (id != 0 && Hold.End(id))
        {
            EndPolling(ref drained);
        }
    }

    /// <summary>
    /// Drains the inbox until <paramref name="drained"/> holds what the poller waits for, or
    /// <paramref name="pollTicks"/> have passed. After a look that found nothing it yields the core rather than
    /// spinning on it: with as many busy threads as cores, the thread that would send the
    /// awaited message may be waiting for this core.
    /// </summary>
    private void PollUntilFound(ref Drained drained, long pollTicks)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + pollTicks;
        while (!drained.Found && drained.Own?.IsCompleted != true)
        {
            bool work = Drain(ref drained, out _);
            drained.HandOff(this);
            if (drained.Found)
            {
                return;
            }

            if (!work)
            {
                Thread.Yield();
            }

            if (System.Diagnostics.Stopwatch.GetTimestamp() >= until)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The watchdog revoked the hold of a runner stuck inside an item: lets go of the poll
    /// for it, and rings this process's doorbell so that the dispatcher drains what the
    /// senders, seeing the poll, did not ring for.
    /// </summary>
    private void LetGoOfPollForStuckHolder()
    {
        try
        {
            // Stop() waits for the pollers, this one included: the region is still there.
            NativeMethods.DoorbellPolling(_runtime.RegionHandle, -1);
            RingForAHolder();
        }
        finally
        {
            Interlocked.Decrement(ref _pollers);
        }
    }

    /// <summary>The watchdog rings for a holder that is not draining: the dispatcher drains in its place.</summary>
    private void RingForAHolder()
    {
        if (!_stopped)
        {
            NativeMethods.DoorbellRing(_runtime.RegionHandle, (uint)_runtime.WorkerId);
        }
    }

    /// <summary>At most one poller per process: more would only take cores from the work.</summary>
    private bool BeginPolling()
    {
        if (!_started || _stopped)
        {
            return false;
        }

        // Counted before the second look at _stopped: Stop() waits for the count to drop.
        if (Interlocked.Increment(ref _pollers) != 1 || _stopped)
        {
            Interlocked.Decrement(ref _pollers);
            return false;
        }

        NativeMethods.DoorbellPolling(_runtime.RegionHandle, 1);
        return true;
    }

    /// <summary>
    /// Stops polling and draining before the region is released (tests; a real process keeps
    /// its region until it exits), waiting a bounded time for the threads at it and for the
    /// calls this process is serving.
    /// </summary>
    internal void Stop()
    {
        _stopped = true;
        Interlocked.MemoryBarrier();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((Volatile.Read(ref _pollers) != 0 || Volatile.Read(ref _draining) != 0 || Server.Running != 0) &&
               clock.ElapsedMilliseconds < 2000)
        {
            Thread.Sleep(1);
        }

        ChainWatchdog.WaitForRunningChecks();  // a check past its look at _stopped may still ring
    }

    /// <summary>
    /// Stops polling: drops the polling count, then drains once more (a writer that saw the
    /// count skipped the wake-up, and its message was committed before it looked); what is
    /// left for another pass goes to the dispatcher with a forced ring, so that this thread
    /// returns promptly. Only then does it leave the pollers, which <see cref="Stop"/> waits for.
    /// </summary>
    private void EndPolling(ref Drained drained)
    {
        try
        {
            NativeMethods.DoorbellPolling(_runtime.RegionHandle, -1);
            Drain(ref drained, out bool more);
            drained.HandOff(this);
            if (more && !_stopped)
            {
                NativeMethods.DoorbellRing(_runtime.RegionHandle, (uint)_runtime.WorkerId);
            }
        }
        catch (ObjectDisposedException) when (_stopped)
        {
            // Stop() gave up waiting for this poller (a chain ran past its bound) and the
            // region is released (tests): there is nothing left to let go of.
        }
        finally
        {
            Interlocked.Decrement(ref _pollers);
        }
    }

    /// <summary>
    /// Reads up to <see cref="MaxMessagesPerPump"/> messages, many per lock of the inbox
    /// (records of a length and the bytes), and routes them; how many.
    /// </summary>
    private int DrainInbox(ref Drained drained)
    {
        uint inbox = Inboxes.IndexOf(_runtime.WorkerId);
        if (!NativeMethods.QueueMayHaveMessage(_runtime.RegionHandle, inbox))
        {
            return 0;  // most looks of a poll: no lock taken, no GC transition
        }

        int handled = 0;
        while (handled < MaxMessagesPerPump)
        {
            uint count, used;
            DwStatus status;
            fixed (byte* p = _buffer)
            {
                status = NativeMethods.QueueTryReadMany(
                    _runtime.RegionHandle, inbox, p, (uint)_buffer.Length, (uint)(MaxMessagesPerPump - handled), out count, out used);
            }

            if (status == DwStatus.BufferTooSmall)
            {
                _buffer = GC.AllocateUninitializedArray<byte>((int)Math.Max(used, (uint)_buffer.Length * 2), pinned: true);
                continue;
            }

            if (status != DwStatus.Ok)
            {
                break;  // empty
            }

            ReadOnlySpan<byte> records = _buffer.AsSpan(0, (int)used);
            for (uint i = 0; i < count; i++)
            {
                int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(records);
                Route(records.Slice(sizeof(uint), length), ref drained);
                records = records[(sizeof(uint) + length)..];
            }

            handled += (int)count;
        }

        return handled;
    }

    private void Route(ReadOnlySpan<byte> message, ref Drained drained)
    {
        if (message.Length < MessageHeader.Size)
        {
            return;  // not ours: nothing else writes an inbox
        }

        MessageHeader header = MemoryMarshal.Read<MessageHeader>(message);
        ReadOnlySpan<byte> payload = message[MessageHeader.Size..];
        try
        {
            switch (header.Kind)
            {
                case MessageKind.Request:
                    if (Server.OnRequest(header, payload) is { } call)
                    {
                        drained.Requests.Add(call);
                    }

                    break;
                case MessageKind.Response:
                    if (Client.OnResponse(header, payload) is { } answered)
                    {
                        if (answered == drained.Own)
                        {
                            drained.OwnAnswered = true;
                        }
                        else
                        {
                            drained.Answers.Add(answered);
                        }
                    }

                    break;
                case MessageKind.Cancel:
                    Server.OnCancel(header);
                    break;
                case MessageKind.Event:
                    Events.OnEvent(header, payload);
                    break;
            }
        }
        catch (Exception e)
        {
            // A message this process cannot handle must not stop the pump.
            Console.Error.WriteLine($"dotnet-workers: process {_runtime.WorkerId} dropped a {header.Kind} message: {e.Message}");
        }
    }

    /// <summary>
    /// Completes when <paramref name="condition"/> may have changed (see
    /// <see cref="DoorbellWaiters.WaitAsync"/>); starts the pump that looks at it.
    /// </summary>
    internal Task WaitAsync(IWaitCondition condition, CancellationToken cancellationToken)
    {
        EnsureStarted();
        return Waiters.WaitAsync(condition, cancellationToken);
    }

    /// <summary>What one drain of the inbox hands back to the thread that did it, to run once it let go of the drain.</summary>
    private struct Drained
    {
        /// <summary>Requests to serve.</summary>
        internal ChainBuilder<Rpc.RpcServer.IncomingCall> Requests;

        /// <summary>Calls answered, to publish.</summary>
        internal ChainBuilder<Rpc.PendingCall> Answers;

        /// <summary>The call a polling caller waits for: published by that caller, not in <see cref="Answers"/>.</summary>
        internal Rpc.PendingCall? Own;

        internal bool OwnAnswered;

        /// <summary>A server thread polling for requests keeps them, to serve them itself.</summary>
        internal bool KeepRequests;

        /// <summary>A chain runner polling for answers keeps them, to publish them itself.</summary>
        internal bool KeepAnswers;

        /// <summary>True once a drain found what the poller waits for.</summary>
        internal readonly bool Found =>
            OwnAnswered || (KeepRequests && Requests.First is not null) || (KeepAnswers && Answers.First is not null);

        /// <summary>Hands what was found to the thread pool (unless kept).</summary>
        internal void HandOff(Dispatcher dispatcher)
        {
            if (!KeepRequests)
            {
                Rpc.RpcServer.ServeOnThreadPool(Requests.Take());
            }

            if (!KeepAnswers)
            {
                Rpc.AnswerChain.PublishOnThreadPool(Answers.Take(), dispatcher);
            }
        }
    }
}
