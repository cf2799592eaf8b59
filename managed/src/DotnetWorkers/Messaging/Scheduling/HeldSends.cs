using System.Buffers;
using System.Buffers.Binary;
using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// The answers a thread sends while it runs a chain of work, held back to write each
/// inbox's share under one lock of it when the chain ends: a server that answers the 64
/// requests of one drain takes the caller's inbox lock once, not 64 times (with 64 calls in
/// flight, about 10% more calls a second). Only messages without an order among themselves
/// are held (answers to distinct calls). Held answers wait for the items run after them,
/// so the <see cref="ChainWatchdog"/> writes those held for a whole period (an item that
/// blocks or runs long holds them up by 1 to 2 ms, never for good); what an inbox has no
/// room for goes when it has (<see cref="Inboxes.SendWhenRoom"/>).
/// </summary>
internal sealed class HeldSends : ChainWatchdog.IWatched
{
    /// <summary>Messages held per inbox before they are written anyway (a batch write takes at most as many).</summary>
    private const int MaxHeld = Queues.SharedQueue<int>.MaxBatch;

    [ThreadStatic]
    private static HeldSends? t_current;

    [ThreadStatic]
    private static HeldSends? t_spare;  // the thread's holder between chains: one per thread, not one per chain

    private readonly Lock _gate = new();  // the owner adds and writes; the watchdog writes too
    private readonly List<Target> _targets = [];
    private readonly Action<ChainWatchdog.IWatched> _watch;
    private int _held;
    private bool _watched;
    private long _writes;
    private long _writesAtLastCheck = -1;

    /// <param name="watch">Has the holder checked once per period while it holds messages (the <see cref="ChainWatchdog"/>; tests check by hand).</param>
    internal HeldSends(Action<ChainWatchdog.IWatched>? watch = null)
    {
        _watch = watch ?? ChainWatchdog.Watch;
    }

    /// <summary>Messages held now (tests).</summary>
    internal int Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>Starts holding this thread's answers; returns whether it held them already (for <see cref="Release"/>).</summary>
    internal static bool Hold()
    {
        if (t_current is not null)
        {
            return true;
        }

        t_current = t_spare ?? new HeldSends();
        t_spare = null;
        return false;
    }

    /// <summary>Writes what this thread held and stops holding, unless <paramref name="heldBefore"/>.</summary>
    internal static void Release(bool heldBefore)
    {
        if (!heldBefore && t_current is { } current)
        {
            t_current = null;
            current.WriteAll();
            t_spare = current;
        }
    }

    /// <summary>
    /// Holds <paramref name="message"/> for process <paramref name="target"/>'s inbox if this
    /// thread holds its answers and the message goes inline; false: send it now.
    /// </summary>
    internal static bool TryHold(Inboxes inboxes, int target, ReadOnlySpan<byte> message)
    {
        if (t_current is not { } current || message.Length > Inboxes.SlotSize)
        {
            return false;
        }

        current.Add(inboxes, target, message);
        return true;
    }

    /// <summary>Holds <paramref name="message"/> (at most an inline slot) for process <paramref name="target"/>'s inbox.</summary>
    internal void Add(Inboxes inboxes, int target, ReadOnlySpan<byte> message)
    {
        bool watch;
        lock (_gate)
        {
            Target held = TargetOf(inboxes, target);
            BinaryPrimitives.WriteUInt32LittleEndian(held.Records.GetSpan(sizeof(uint)), (uint)message.Length);
            held.Records.Advance(sizeof(uint));
            held.Records.Write(message);
            _held++;
            if (++held.Count == MaxHeld)
            {
                Write(held);
            }

            watch = !_watched && _held > 0;
            _watched |= watch;
        }

        if (watch)
        {
            _watch(this);  // outside the gate: the watchdog takes its own lock, then ours
        }
    }

    /// <summary>Writes every message held.</summary>
    internal void WriteAll()
    {
        lock (_gate)
        {
            foreach (Target held in _targets)
            {
                Write(held);
            }
        }
    }

    /// <inheritdoc />
    bool ChainWatchdog.IWatched.Check()
    {
        lock (_gate)
        {
            if (_held == 0)
            {
                _watched = false;  // under the gate: the next message held watches again
                return false;
            }

            // Nothing written since the last check: what is held waited a whole period. Written
            // on the thread pool: the watchdog only queues work (an inbox write takes that
            // inbox's cross-process lock).
            if (_writes == _writesAtLastCheck)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static held => held.WriteAll(), this, preferLocal: false);
            }

            _writesAtLastCheck = _writes;
            return true;
        }
    }

    private Target TargetOf(Inboxes inboxes, int id)
    {
        foreach (Target candidate in _targets)
        {
            if (candidate.Id == id && candidate.Inboxes == inboxes)
            {
                return candidate;
            }
        }

        var added = new Target(inboxes, id);
        _targets.Add(added);
        return added;
    }

    /// <summary>Under the gate: writes what is held for one inbox, as far as it has room now, and the rest when it has.</summary>
    private void Write(Target held)
    {
        if (held.Count == 0)
        {
            return;
        }

        ReadOnlySpan<byte> records = held.Records.WrittenSpan;
        int count = held.Count;
        _held -= count;
        _writes++;
        held.Count = 0;
        try
        {
            int written = held.Inboxes.TrySendRecords(held.Id, records, count);
            for (int i = 0; i < count; i++)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(records);
                if (i >= written)
                {
                    held.Inboxes.SendWhenRoom(held.Id, records.Slice(sizeof(uint), length));
                }

                records = records[(sizeof(uint) + length)..];
            }
        }
        catch (DotnetWorkersException e)
        {
            Console.Error.WriteLine($"dotnet-workers: {count} answers to process {held.Id} could not be sent: {e.Message}");
        }
        finally
        {
            held.Records.ResetWrittenCount();
        }
    }

    private sealed class Target(Inboxes inboxes, int id)
    {
        internal Inboxes Inboxes { get; } = inboxes;

        internal int Id { get; } = id;

        internal ArrayBufferWriter<byte> Records { get; } = new(4096);

        internal int Count { get; set; }
    }
}
