using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The calls this process waits on, by call id. An add and a remove per call, from the
/// callers' threads and the thread that drains the inbox at once: a slot per id modulo the
/// table's size, taken and freed with one compare-and-swap each. A lock (with a dictionary)
/// cost a few percent of a busy client's time, most of it in the lock's cache line moving
/// between cores. An id whose slot is taken (a call still pending from one table-length of
/// ids ago) is skipped for the next; after a few such, the call goes to an overflow
/// dictionary under a lock, so any number of calls may be in flight.
/// </summary>
internal sealed class PendingCalls
{
    /// <summary>Slots: a power of two, many times the calls a busy process keeps in flight.</summary>
    internal const int SlotCount = 1024;

    private const int SlotTries = 4;

    private readonly PendingCall?[] _slots = new PendingCall?[SlotCount];
    private readonly Dictionary<long, PendingCall> _overflow = [];
    private readonly Lock _overflowGate = new();
    private int _overflowCount;
    private long _lastCallId;

    /// <summary>Adds <paramref name="call"/> under a new call id (never 0), which it returns and the call keeps.</summary>
    internal long Add(PendingCall call)
    {
        for (int attempt = 0; attempt < SlotTries; attempt++)
        {
            long id = Interlocked.Increment(ref _lastCallId);
            call.CallId = id;  // before it is published: a remover compares it
            if (Interlocked.CompareExchange(ref _slots[id & (SlotCount - 1)], call, null) is null)
            {
                return id;
            }
        }

        long overflowId = Interlocked.Increment(ref _lastCallId);
        call.CallId = overflowId;
        lock (_overflowGate)
        {
            _overflow.Add(overflowId, call);
            _overflowCount++;
        }

        return overflowId;
    }

    /// <summary>Removes and returns the call with <paramref name="callId"/>; false if it is not (or no longer) pending.</summary>
    internal bool TryRemove(long callId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PendingCall? call)
    {
        ref PendingCall? slot = ref _slots[callId & (SlotCount - 1)];
        PendingCall? held = Volatile.Read(ref slot);
        if (held is not null && held.CallId == callId)
        {
            // Only one remover wins a call (its answer, its timeout or its target's death).
            call = Interlocked.CompareExchange(ref slot, null, held) == held ? held : null;
            return call is not null;
        }

        // An overflow call was added before its request was sent, so before anything removes it.
        if (Volatile.Read(ref _overflowCount) != 0)
        {
            lock (_overflowGate)
            {
                if (_overflow.Remove(callId, out call))
                {
                    _overflowCount--;
                    return true;
                }
            }
        }

        call = null;
        return false;
    }

    /// <summary>Removes every pending call <paramref name="matches"/> selects; returns them linked (<see cref="InboxWork.Next"/>).</summary>
    internal InboxWork? RemoveWhere(Func<PendingCall, bool> matches)
    {
        var removed = default(WorkList);
        for (int i = 0; i < SlotCount; i++)
        {
            PendingCall? held = Volatile.Read(ref _slots[i]);
            if (held is not null && matches(held) && Interlocked.CompareExchange(ref _slots[i], null, held) == held)
            {
                removed.Add(held);
            }
        }

        if (Volatile.Read(ref _overflowCount) != 0)
        {
            lock (_overflowGate)
            {
                foreach ((long callId, PendingCall call) in _overflow)
                {
                    if (matches(call))
                    {
                        _overflow.Remove(callId);  // allowed while enumerating a Dictionary
                        _overflowCount--;
                        removed.Add(call);
                    }
                }
            }
        }

        return removed.Take();
    }
}
