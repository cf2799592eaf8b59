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
/// (<see cref="PollUntil"/>, <see cref="PollForRequest"/>): a caller waiting for its answer,
/// a server thread that just answered and may get the next call. While one polls, writers
/// skip the kernel wake-up. Only one thread drains the inbox at a time (so messages from
/// one sender are read in order), and at most one polls.
/// </remarks>
internal sealed unsafe class Dispatcher
{
    /// <summary>After a ring that brought work, the pump polls its doorbell this long before sleeping: a futex wake-up costs more than a quick answer.</summary>
    internal const long SpinMicroseconds = 50;

    private const int MaxMessagesPerPump = 512;

    /// <summary>How long a thread polls the inbox for a message it expects, before it parks.</summary>
    internal static readonly long PollTicks = System.Diagnostics.Stopwatch.Frequency * 50 / 1_000_000;

    private readonly ClusterRuntime _runtime;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, List<TaskCompletionSource>> _queueWaiters = [];
    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
    private volatile bool _started;
    private volatile bool _stopped;
    private int _queueWaiterCount;
    private int _draining;
    private int _lookWanted;
    private int _pollers;

    internal Dispatcher(ClusterRuntime runtime)
    {
        _runtime = runtime;
        Inboxes = new Inboxes(runtime);
        Registry = new Registry(runtime);
        Client = new Rpc.RpcClient(runtime, this);
        Server = new Rpc.RpcServer(runtime, this);
        Events = new DotnetWorkers.Events.SharedEvents(runtime, this);
    }

    internal Inboxes Inboxes { get; }

    internal Registry Registry { get; }

    internal Rpc.RpcClient Client { get; }

    internal Rpc.RpcServer Server { get; }

    internal DotnetWorkers.Events.SharedEvents Events { get; }

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

            uint inbox = Inboxes.IndexOf(_runtime.WorkerId);
            fixed (byte* p = _buffer)
            {
                DwStatus status;
                do
                {
                    status = NativeMethods.QueueTryRead(_runtime.RegionHandle, inbox, p, (uint)_buffer.Length, out _);
                }
                while (status is DwStatus.Ok or DwStatus.BufferTooSmall && DrainOversized(inbox, status));
            }

            NativeErrors.ThrowIfFailed(NativeMethods.QueueWatch(_runtime.RegionHandle, inbox, 1), "Watching this process's inbox");
            _started = true;
        }

        _runtime.Lifetime.EnsurePumping();
    }

    private bool DrainOversized(uint inbox, DwStatus status)
    {
        if (status == DwStatus.BufferTooSmall)
        {
            _buffer = GC.AllocateUninitializedArray<byte>(_buffer.Length * 2, pinned: true);
        }

        return true;
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
            drained.HandOff();  // never user code on the lifetime thread
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
    /// <see cref="Stop"/> waits only for the drain and the pollers.
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
            int handled = DrainInbox(ref drained);
            capped = handled == MaxMessagesPerPump;
            work = handled > 0;
            if (Volatile.Read(ref _queueWaiterCount) > 0)
            {
                work |= WakeQueueWaiters();
            }
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
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + PollTicks;
            while (!drained.OwnAnswered && !own.IsCompleted)
            {
                bool work = Drain(ref drained, out _);
                drained.HandOff();
                if (!drained.OwnAnswered && !Pause(work, until))
                {
                    break;
                }
            }
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
    /// A thread-pool thread that just answered a call: polls the inbox for a bounded time and
    /// returns the next requests (a chain) to serve on this same thread, if any came. Answers
    /// found meanwhile go to the thread pool at once.
    /// </summary>
    internal Rpc.RpcServer.IncomingCall? PollForRequest()
    {
        if (!BeginPolling())
        {
            return null;
        }

        var drained = new Drained { KeepRequests = true };
        try
        {
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + PollTicks;
            while (drained.Requests.First is null)
            {
                bool work = Drain(ref drained, out _);
                drained.HandOff();
                if (drained.Requests.First is null && !Pause(work, until))
                {
                    break;
                }
            }
        }
        finally
        {
            EndPolling(ref drained);
        }

        return drained.Requests.Take();
    }

    /// <summary>
    /// Between two looks at the inbox: false once the polling time is up. After a look that
    /// found nothing it yields the core rather than spinning on it: with as many busy threads
    /// as cores, the thread that would send the awaited message may be waiting for this core.
    /// </summary>
    private static bool Pause(bool lookFoundWork, long until)
    {
        if (!lookFoundWork)
        {
            Thread.Yield();
        }

        return System.Diagnostics.Stopwatch.GetTimestamp() < until;
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
            drained.HandOff();
            if (more && !_stopped)
            {
                NativeMethods.DoorbellRing(_runtime.RegionHandle, (uint)_runtime.WorkerId);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pollers);
        }
    }

    /// <summary>Reads up to <see cref="MaxMessagesPerPump"/> messages; how many.</summary>
    private int DrainInbox(ref Drained drained)
    {
        uint inbox = Inboxes.IndexOf(_runtime.WorkerId);
        int handled = 0;
        while (handled < MaxMessagesPerPump)
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
                continue;
            }

            if (status != DwStatus.Ok)
            {
                break;  // empty
            }

            handled++;
            Route(_buffer.AsSpan(0, (int)length), ref drained);
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
    /// Completes when queue <paramref name="index"/> may have a message (or was completed).
    /// The caller looks again after registering: a message that arrived in between rings the
    /// doorbell, because the queue is watched before this returns.
    /// </summary>
    internal Task WaitForQueueAsync(uint index, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (!_queueWaiters.TryGetValue(index, out List<TaskCompletionSource>? waiters))
            {
                waiters = [];
                _queueWaiters[index] = waiters;
            }

            if (waiters.Count == 0)
            {
                NativeErrors.ThrowIfFailed(NativeMethods.QueueWatch(_runtime.RegionHandle, index, 1), "Watching a queue");
            }

            waiters.Add(waiter);
            _queueWaiterCount++;
        }

        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
        }

        return waiter.Task;
    }

    private bool WakeQueueWaiters()
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            foreach ((uint index, List<TaskCompletionSource> waiters) in _queueWaiters)
            {
                if (waiters.Count == 0)
                {
                    continue;
                }

                bool cancelled = waiters.RemoveAll(w => w.Task.IsCompleted) > 0;
                NativeMethods.QueueState(_runtime.RegionHandle, index, out ulong count, out uint completed);
                if (count > 0 || completed != 0)
                {
                    ready ??= [];
                    ready.AddRange(waiters);
                    waiters.Clear();
                }

                if (waiters.Count == 0 && (cancelled || ready is not null))
                {
                    NativeMethods.QueueWatch(_runtime.RegionHandle, index, 0);
                }
            }

            _queueWaiterCount = _queueWaiters.Values.Sum(w => w.Count);
        }

        if (ready is null)
        {
            return false;
        }

        foreach (TaskCompletionSource waiter in ready)
        {
            waiter.TrySetResult();
        }

        return true;
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

        /// <summary>Hands what was found to the thread pool (requests too, unless kept).</summary>
        internal void HandOff()
        {
            if (!KeepRequests)
            {
                Rpc.RpcServer.ServeOnThreadPool(Requests.Take());
            }

            Rpc.AnswerChain.PublishOnThreadPool(Answers.Take());
        }
    }
}
