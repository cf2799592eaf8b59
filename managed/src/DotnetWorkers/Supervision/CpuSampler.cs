namespace DotnetWorkers.Supervision;

/// <summary>
/// Each process's CPU share since the previous look (<c>top</c>, <c>ps</c>, the dashboard): the
/// CPU time /proc reports, against the wall clock, per process id and pid (a revived worker starts afresh).
/// </summary>
internal sealed class CpuSampler
{
    private readonly Dictionary<(int Id, int Pid), (TimeSpan Cpu, long At)> _previous = [];

    /// <summary>The percentage of one core <paramref name="info"/> used since the last call for it; null the first time, or without its CPU time.</summary>
    internal double? Sample(WorkerInfo info, long nowMilliseconds)
    {
        if (info.CpuTime is not { } cpu)
        {
            return null;
        }

        double? percent = null;
        if (_previous.TryGetValue((info.Id, info.ProcessId), out var before) && nowMilliseconds > before.At)
        {
            percent = (cpu - before.Cpu).TotalMilliseconds * 100 / (nowMilliseconds - before.At);
        }

        _previous[(info.Id, info.ProcessId)] = (cpu, nowMilliseconds);
        return percent;
    }
}
