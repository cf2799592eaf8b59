namespace DotnetWorkers.Supervision;

/// <summary>
/// Publishes this process's managed heap size into its doorbell about once a second, for
/// <see cref="Cluster.Workers"/> and the CLI in other processes: the one statistic only the
/// process itself can know. A timer on the thread pool; nothing on any hot path.
/// </summary>
internal sealed class HeapPublisher : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly Region.SharedRegion _region;
    private readonly int _id;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private bool _disposed;

    internal HeapPublisher(Region.SharedRegion region, int id)
    {
        _region = region;
        _id = id;
        Publish();
        _timer = new Timer(static state => ((HeapPublisher)state!).Publish(), this, Period, Period);
    }

    /// <summary>Stops publishing; once it returns no write into the region is in progress (it may be released next).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private void Publish()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _region.PublishGcHeapBytes(_id, GC.GetTotalMemory(forceFullCollection: false));
            }
        }
    }
}
