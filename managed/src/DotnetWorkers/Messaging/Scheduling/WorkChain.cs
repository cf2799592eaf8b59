using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// The work one drain of the inbox found (answers to publish, requests to serve), taken one
/// item at a time: one thread (a <see cref="WorkRunner"/>'s, or the thread that polled for
/// it) runs the whole chain, instead of one hand-off per message. No other thread joins while the chain
/// is young: with as many busy threads as cores, a second runner would only take a core
/// from the other process. Items still waiting after a whole watchdog period (the runner
/// blocks in user code, perhaps until a call further down the same chain is answered, or
/// the items are slow) get a helper from the <see cref="ChainWatchdog"/>, and another one
/// every period while they wait. Items never stop a runner: a served method runs up to its
/// first incomplete await, a continuation up to its own.
/// </summary>
internal sealed class WorkChain : ChainWatchdog.IWatched
{
    private InboxWork? _head;
    private int _helperQueued;
    private int _watched;
    private bool _checkedOnce;

    internal WorkChain(InboxWork first)
    {
        _head = first;
    }

    /// <summary>
    /// Takes the next item, or null once every item was taken. While items remain behind
    /// the one taken, the watchdog watches the chain.
    /// </summary>
    private InboxWork? Take()
    {
        while (true)
        {
            InboxWork? head = Volatile.Read(ref _head);
            if (head is null)
            {
                return null;
            }

            // Items are only ever removed, so a head seen twice is the same link (no ABA).
            if (Interlocked.CompareExchange(ref _head, head.Next, head) == head)
            {
                InboxWork? next = head.Next;
                head.Next = null;
                if (next is not null && Volatile.Read(ref _watched) == 0 && Interlocked.Exchange(ref _watched, 1) == 0)
                {
                    ChainWatchdog.Watch(this);
                }

                return head;
            }
        }
    }

    /// <summary>
    /// Hands the rest of the chain to a helper on the thread pool, if items remain and no
    /// helper is waiting to start (the watchdog, for items that waited a whole period).
    /// </summary>
    private void EnsureHelper()
    {
        if (Volatile.Read(ref _head) is not null && Interlocked.CompareExchange(ref _helperQueued, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static chain =>
            {
                Volatile.Write(ref chain._helperQueued, 0);
                long none = 0;  // a helper holds no poll
                chain.Run(null, ref none);
            }, this, preferLocal: false);
        }
    }

    /// <summary>
    /// Runs items until none is left, as a chain runner: calls made here do not poll,
    /// answers sent here go together when the chain ends (<see cref="HeldSends"/>), and
    /// the ambient context is put back after each item. With a hold on the poll
    /// (<paramref name="hold"/>, 0 for none), each item is entered and left on
    /// <paramref name="holdOwner"/>; <paramref name="hold"/> becomes 0 if the watchdog
    /// revoked it meanwhile.
    /// </summary>
    internal void Run(PollHold? holdOwner, ref long hold)
    {
        bool wasRunner = ChainRunner.Enter();
        bool heldBefore = HeldSends.Hold();
        var context = AmbientContext.Capture();
        try
        {
            while (Take() is { } item)
            {
                if (hold != 0)
                {
                    holdOwner!.EnterItem(hold);
                }

                item.Run();
                context.Restore();
                if (hold != 0 && !holdOwner!.LeaveItem(hold))
                {
                    hold = 0;
                }
            }
        }
        finally
        {
            HeldSends.Release(heldBefore);
            ChainRunner.Leave(wasRunner);
        }
    }

    /// <inheritdoc />
    bool ChainWatchdog.IWatched.Check()
    {
        if (Volatile.Read(ref _head) is null)
        {
            return false;  // every item was taken: nothing left to be held up
        }

        // The first check may come right after the chain was watched; from the second on,
        // items have waited a whole period.
        if (_checkedOnce)
        {
            EnsureHelper();
        }

        _checkedOnce = true;
        return true;
    }
}
