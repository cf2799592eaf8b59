namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// A chain runner's hold on its process's inbox poll, kept across the items it runs between
/// two polls. While a process polls, senders skip the doorbell's wake-up (a futex call on
/// their side, a thread wake-up on this one); a runner that let go of the poll for every
/// item would have most messages arrive in that gap, each ringing the pump, which
/// then hands the work to another thread. Holding is safe only while the holder comes back
/// to the inbox soon, so the <see cref="ChainWatchdog"/> checks it once per period: a
/// holder that stayed inside one item (user code that blocks or runs long) for a whole
/// period loses the hold (the watchdog lets go of the poll for it and rings the doorbell,
/// so the pump drains again, and senders ring again); while a hold is up and nobody
/// drained the inbox for a whole period (the holder runs a long chain of short items), the
/// watchdog rings the doorbell, so the pump drains meanwhile.
/// </summary>
/// <remarks>
/// At most one thread polls per process, so at most one hold is live. Its state is one
/// word: the hold's id shifted left, and whether its holder is inside an item. The holder
/// leaves an item with a compare-and-swap from "inside"; the watchdog revokes with a
/// compare-and-swap from the same value to "no hold", so exactly one of them wins.
/// </remarks>
internal sealed class PollHold : ChainWatchdog.IWatched
{
    private const long InsideItem = 1;

    private readonly Action _letGoOfPoll;
    private readonly Action _ringPump;
    private readonly Func<long> _drainPasses;
    private readonly Action<ChainWatchdog.IWatched> _watch;
    private long _state;
    private long _lastId;
    private long _itemsEntered;
    private long _itemsAtLastCheck = -1;
    private long _drainPassesAtLastCheck = -1;
    private int _watched;

    /// <param name="letGoOfPoll">What the holder would do on letting go of the poll, for a revoked hold (it rings the pump too).</param>
    /// <param name="ringPump">Rings this process's doorbell (forced), so that its pump drains.</param>
    /// <param name="drainPasses">How many passes over the inbox were made so far, by any thread.</param>
    /// <param name="watch">Has the hold checked once per period (the <see cref="ChainWatchdog"/>; tests check by hand).</param>
    internal PollHold(Action letGoOfPoll, Action ringPump, Func<long> drainPasses, Action<ChainWatchdog.IWatched>? watch = null)
    {
        _letGoOfPoll = letGoOfPoll;
        _ringPump = ringPump;
        _drainPasses = drainPasses;
        _watch = watch ?? ChainWatchdog.Watch;
    }

    /// <summary>The poller (the one thread that polls) starts holding; returns the hold's id.</summary>
    internal long Start()
    {
        long id = ++_lastId;
        Volatile.Write(ref _state, id << 1);
        if (Interlocked.Exchange(ref _watched, 1) == 0)
        {
            _watch(this);
        }

        return id;
    }

    /// <summary>
    /// The holder gives the hold up, to let go of the poll itself: false if the watchdog
    /// revoked it first (and let go of the poll for it).
    /// </summary>
    internal bool End(long id)
    {
        long state = Volatile.Read(ref _state);
        return state >> 1 == id && Interlocked.CompareExchange(ref _state, 0, state) == state;
    }

    /// <summary>The holder is about to run an item.</summary>
    internal void EnterItem(long id)
    {
        Volatile.Write(ref _itemsEntered, _itemsEntered + 1);
        Volatile.Write(ref _state, (id << 1) | InsideItem);
    }

    /// <summary>The holder is back from an item: false if the hold was revoked meanwhile (the poll was let go for it).</summary>
    internal bool LeaveItem(long id) =>
        Interlocked.CompareExchange(ref _state, id << 1, (id << 1) | InsideItem) == ((id << 1) | InsideItem);

    /// <inheritdoc />
    bool ChainWatchdog.IWatched.Check()
    {
        try
        {
            return CheckHold();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"dotnet-workers: the chain watchdog failed to check a hold on the inbox poll: {e.Message}");
            return StopWatchingUnlessHeld();
        }
    }

    /// <summary>
    /// Stops watching, unless a hold is up (one may have started and found us still
    /// watching): the next hold that starts watches again.
    /// </summary>
    private bool StopWatchingUnlessHeld()
    {
        Interlocked.Exchange(ref _watched, 0);
        return Volatile.Read(ref _state) != 0 && Interlocked.Exchange(ref _watched, 1) == 0;
    }

    private bool CheckHold()
    {
        long state = Volatile.Read(ref _state);
        if (state == 0)
        {
            return StopWatchingUnlessHeld();
        }

        // Inside the same item as at the last check: it has run a whole period.
        long entered = Volatile.Read(ref _itemsEntered);
        long passes = _drainPasses();
        if ((state & InsideItem) != 0 && entered == _itemsAtLastCheck &&
            Interlocked.CompareExchange(ref _state, 0, state) == state)
        {
            _letGoOfPoll();
        }
        else if (passes == _drainPassesAtLastCheck)
        {
            _ringPump();  // held, yet nobody looked at the inbox for a whole period
        }

        _itemsAtLastCheck = entered;
        _drainPassesAtLastCheck = passes;
        return true;
    }
}
