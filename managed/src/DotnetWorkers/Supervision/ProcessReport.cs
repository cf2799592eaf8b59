namespace DotnetWorkers.Supervision;

/// <summary>A process as <c>ps NAME --json</c> and the dashboard's <c>/api/workers</c> show it: every field of the table, unformatted.</summary>
internal sealed record ProcessReport(
    int Id, string Role, int Pid, string Status, DateTimeOffset? StartedAt, int Restarts, int? LastExitCode, string LastExitCause,
    double? CpuPercent, double? CpuSeconds, long? MemoryBytes, long? GcHeapBytes, long CallsServed, int CallsInFlight, long InboxDepth)
{
    internal static ProcessReport From(WorkerInfo w, double? cpuPercent) =>
        new(w.Id, w.Role, w.ProcessId, StatusOf(w), w.StartedAt, w.Restarts, w.LastExitCode, w.LastExitCause.ToString(),
            cpuPercent, w.CpuTime?.TotalSeconds, w.MemoryBytes, w.GcHeapBytes, w.CallsServed, w.CallsInFlight, w.InboxDepth);

    /// <summary>What <c>ps</c> shows as a process's status: running ones are idle or busy, as pm2 lists them.</summary>
    internal static string StatusOf(WorkerInfo w) => w.Status switch
    {
        WorkerStatus.Running => w.IsBusy ? "busy" : "idle",
        _ => w.Status.ToString().ToLowerInvariant(),
    };
}
