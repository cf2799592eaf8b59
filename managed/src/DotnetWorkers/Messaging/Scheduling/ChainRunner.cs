namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// Tells whether the current thread runs chain items. A call made there does not poll for
/// its answer: a poll would hold up the rest of the chain, and the answer is drained soon
/// anyway (by the runner once its chain is done, by whoever polls meanwhile, or by the
/// pump when the doorbell rings).
/// </summary>
internal static class ChainRunner
{
    [ThreadStatic]
    private static bool t_running;

    internal static bool IsCurrentThread => t_running;

    /// <summary>Marks this thread as running chain items; returns the previous mark, for <see cref="Leave"/>.</summary>
    internal static bool Enter()
    {
        bool was = t_running;
        t_running = true;
        return was;
    }

    internal static void Leave(bool was) => t_running = was;
}
