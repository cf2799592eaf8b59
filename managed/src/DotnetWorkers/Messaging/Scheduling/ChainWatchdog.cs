namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// Looks once per period at the chains that still have items waiting, and at each
/// process's <see cref="PollHold"/> while a runner holds its poll. A chain whose items
/// have waited a whole period gets a helper (a continuation or served method that blocks or
/// runs long must not hold up the answers and requests behind it, and slow items spread
/// over more threads); a hold whose runner is stuck in an item is revoked, and one whose
/// runner is not draining gets the pump to drain. One timer per process, armed only
/// while something is watched (an idle process has none running). The price of watching
/// instead of queuing a helper up front (which kept a second thread busy on every chain) is
/// the period: work held up by user code goes on after 1 to 2 ms (more if the thread pool
/// has no thread free to run the watchdog's timer).
/// </summary>
internal static class ChainWatchdog
{
    /// <summary>How long a chain may go without progress before a helper takes over.</summary>
    internal static readonly TimeSpan Period = TimeSpan.FromMilliseconds(1);

    private static readonly Lock s_gate = new();
    private static readonly List<IWatched> s_watched = [];
    private static Timer? s_timer;
    private static bool s_armed;

    /// <summary>Something the watchdog looks at once per period.</summary>
    internal interface IWatched
    {
        /// <summary>Acts on what it finds (a chain: a helper if items waited a whole period); false once there is nothing left to watch.</summary>
        bool Check();
    }

    /// <summary>Starts watching <paramref name="chain"/> until its <see cref="IWatched.Check"/> returns false.</summary>
    internal static void Watch(IWatched chain)
    {
        lock (s_gate)
        {
            s_watched.Add(chain);
            if (!s_armed)
            {
                s_armed = true;

                // Created without flowing the caller's ExecutionContext (AsyncLocals of
                // whichever user code happened to arm it first).
                s_timer ??= CreateTimer();
                s_timer.Change(Period, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// Returns once no check is running; checks after that see what the caller did before
    /// (a poller that stopped: its hold is no longer acted on).
    /// </summary>
    internal static void WaitForRunningChecks()
    {
        lock (s_gate)
        {
        }
    }

    private static Timer CreateTimer()
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return new Timer(static _ => CheckAll(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return new Timer(static _ => CheckAll(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private static void CheckAll()
    {
        lock (s_gate)
        {
            try
            {
                // Checks only queue work items and ring doorbells: cheap enough under the lock.
                s_watched.RemoveAll(static watched => !CheckOne(watched));
            }
            finally
            {
                s_armed = s_watched.Count > 0;
                if (s_armed)
                {
                    s_timer!.Change(Period, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    /// <summary>A check that fails stops watching that one thing, not the watchdog.</summary>
    private static bool CheckOne(IWatched watched)
    {
        try
        {
            return watched.Check();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"dotnet-workers: the chain watchdog failed a check: {e.Message}");
            return false;
        }
    }
}
