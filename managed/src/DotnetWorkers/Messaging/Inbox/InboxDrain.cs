using System.Buffers.Binary;
using System.Runtime.InteropServices;
using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// Reads this process's inbox and hands each message to the handler registered for its
/// kind (<see cref="Handle"/>): the inbox layer knows message kinds, not what RPC or events
/// do with them. One pass (<see cref="Drain"/>) reads up to <see cref="MaxMessagesPerPass"/>
/// messages, many per lock of the inbox, then wakes the <see cref="DoorbellWaiters"/> whose
/// condition is ready: whatever rang the doorbell gets looked at. Only one thread drains at a
/// time, so messages from one sender are read in the order it wrote them; the work the
/// handlers return goes back to the thread that drained, which decides who runs it.
/// </summary>
internal sealed unsafe class InboxDrain
{
    /// <summary>Messages one pass reads at most before it hands on what it found.</summary>
    internal const int MaxMessagesPerPass = 512;

    private readonly ClusterRuntime _runtime;
    private readonly Inboxes _inboxes;
    private readonly DoorbellWaiters _waiters;
    private readonly MessageHandler?[] _handlers = new MessageHandler?[256];
    private readonly List<Func<InboxWork?>> _ringChecks = [];
    private readonly Lock _gate = new();
    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
    private volatile bool _started;
    private volatile bool _stopped;
    private int _draining;
    private int _lookWanted;
    private long _passes;

    internal InboxDrain(ClusterRuntime runtime, Inboxes inboxes, DoorbellWaiters waiters)
    {
        _runtime = runtime;
        _inboxes = inboxes;
        _waiters = waiters;
    }

    /// <summary>True once the inbox is open and watched: the process's doorbell rings for its messages.</summary>
    internal bool IsStarted => _started;

    /// <summary>True once <see cref="Stop"/> was called: no pass touches the region any more.</summary>
    internal bool IsStopped => _stopped;

    /// <summary>True while a thread is inside a pass.</summary>
    internal bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>How many passes were made so far, by any thread (the watchdog tells a drained inbox from a forgotten one).</summary>
    internal long Passes => Volatile.Read(ref _passes);

    /// <summary>
    /// Has <paramref name="handler"/> handle every message of <paramref name="kind"/>. One
    /// handler per kind, registered before the drain starts; a message of a kind nobody
    /// handles is dropped.
    /// </summary>
    internal void Handle(MessageKind kind, MessageHandler handler)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("Message handlers are registered before the inbox is drained.");
            }

            if (_handlers[(byte)kind] is not null)
            {
                throw new InvalidOperationException($"{kind} messages already have a handler.");
            }

            _handlers[(byte)kind] = handler;
        }
    }

    /// <summary>
    /// Has <paramref name="check"/> run after every ring of the doorbell (<see cref="CheckAfterRing"/>):
    /// for what a ring tells without a message, such as a process's death.
    /// </summary>
    internal void AfterEveryRing(Func<InboxWork?> check)
    {
        lock (_gate)
        {
            _ringChecks.Add(check);
        }
    }

    /// <summary>
    /// Opens this process's inbox (dropping what a dead process with the same id left in it),
    /// and watches it: from then on the lifetime thread drains it on every ring. Called by
    /// every messaging feature before first use.
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

            uint inbox = _inboxes.IndexOf(_runtime.WorkerId);
            while (ReadMany(inbox, MaxMessagesPerPass, out _, out _))
            {
            }

            NativeErrors.ThrowIfFailed(NativeMethods.QueueWatch(_runtime.RegionHandle, inbox, NativeMethods.QueueWatchMessages, 1), "Watching this process's inbox");
            _started = true;
        }
    }

    /// <summary>
    /// One pass over the inbox and the waiters, unless another thread is at it; true if it
    /// found work. What the handlers returned is added to <paramref name="found"/>, for the
    /// caller to run or hand on once this returns. <paramref name="more"/> tells that another
    /// pass is due: this one stopped at its cap, or a thread wanted a look while this one
    /// held the drain (a ring that found it taken). Nothing here touches the region after
    /// letting go of the drain: <see cref="Stop"/>'s caller waits for <see cref="IsDraining"/>.
    /// </summary>
    internal bool Drain(ref DrainFindings found, out bool more)
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
            Volatile.Write(ref _passes, _passes + 1);  // only the drain's holder writes it
            int handled = DrainInbox(ref found);
            capped = handled == MaxMessagesPerPass;
            work = handled > 0;
            work |= _waiters.WakeReady();
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
        }

        Interlocked.MemoryBarrier();
        more = capped || Volatile.Read(ref _lookWanted) != 0;
        return work;
    }

    /// <summary>Runs the checks registered with <see cref="AfterEveryRing"/>; the work they return goes into <paramref name="found"/>.</summary>
    internal void CheckAfterRing(ref DrainFindings found)
    {
        if (!_started || _stopped)
        {
            return;
        }

        foreach (Func<InboxWork?> check in _ringChecks)
        {
            for (InboxWork? work = check(); work is not null;)
            {
                InboxWork? next = work.Next;
                found.Add(work);
                work = next;
            }
        }
    }

    /// <summary>No pass touches the region from now on (tests release it; a real process keeps it until it exits).</summary>
    internal void Stop()
    {
        _stopped = true;
        Interlocked.MemoryBarrier();
    }

    /// <summary>Reads up to <see cref="MaxMessagesPerPass"/> messages and hands each to its handler; how many.</summary>
    private int DrainInbox(ref DrainFindings found)
    {
        uint inbox = _inboxes.IndexOf(_runtime.WorkerId);
        if (!NativeMethods.QueueMayHaveMessage(_runtime.RegionHandle, inbox))
        {
            return 0;  // most looks of a poll: no lock taken, no GC transition
        }

        int handled = 0;
        while (handled < MaxMessagesPerPass && ReadMany(inbox, (uint)(MaxMessagesPerPass - handled), out uint count, out uint used))
        {
            // Records of a length and the bytes.
            ReadOnlySpan<byte> records = _buffer.AsSpan(0, (int)used);
            for (uint i = 0; i < count; i++)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(records);
                Route(records.Slice(sizeof(uint), length), ref found);
                records = records[(sizeof(uint) + length)..];
            }

            handled += (int)count;
        }

        return handled;
    }

    /// <summary>
    /// Reads up to <paramref name="maxCount"/> messages into the buffer, growing it for a
    /// message bigger than it (pinned anew for every read); false once the inbox is empty.
    /// </summary>
    private bool ReadMany(uint inbox, uint maxCount, out uint count, out uint used)
    {
        while (true)
        {
            DwStatus status;
            fixed (byte* p = _buffer)
            {
                status = NativeMethods.QueueTryReadMany(_runtime.RegionHandle, inbox, p, (uint)_buffer.Length, maxCount, out count, out used);
            }

            if (status != DwStatus.BufferTooSmall)
            {
                return status == DwStatus.Ok;
            }

            _buffer = GC.AllocateUninitializedArray<byte>((int)Math.Max(used, (uint)_buffer.Length * 2), pinned: true);
        }
    }

    private void Route(ReadOnlySpan<byte> message, ref DrainFindings found)
    {
        if (message.Length < MessageHeader.Size)
        {
            return;  // not ours: nothing else writes an inbox
        }

        MessageHeader header = MemoryMarshal.Read<MessageHeader>(message);
        if (_handlers[(byte)header.Kind] is not { } handler)
        {
            return;  // a kind this process does not handle
        }

        try
        {
            if (handler(header, message[MessageHeader.Size..]) is { } work)
            {
                found.Add(work);
            }
        }
        catch (Exception e)
        {
            // A message this process cannot handle must not stop the drain.
            Console.Error.WriteLine($"dotnet-workers: process {_runtime.WorkerId} dropped a {header.Kind} message: {e.Message}");
        }
    }
}
