namespace DotnetWorkers.Supervision;

/// <summary>
/// Publishes this process's managed heap size into its doorbell about once a second, for
/// <see cref="Cluster.Workers"/> and the CLI in other processes: the one statistic only the
/// process itself can know. Called on the lifetime thread's passes, which come at least once
/// a second (no timer of its own: a timer's thread would cost every process at bind).
/// </summary>
internal sealed class HeapPublisher(Region.SharedRegion region, int id)
{
    private const long PeriodMilliseconds = 1000;

    private long _due;

    /// <summary>Publishes if a period has passed since the last time (the first call publishes). One thread calls it.</summary>
    internal void PublishIfDue()
    {
        long now = Environment.TickCount64;
        if (now < _due)
        {
            return;
        }

        _due = now + PeriodMilliseconds;
        region.PublishGcHeapBytes(id, GC.GetTotalMemory(forceFullCollection: false));
    }
}
