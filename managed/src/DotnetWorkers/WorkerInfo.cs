namespace DotnetWorkers;

/// <summary>
/// A snapshot of one process of the cluster: what the shared process table records (its
/// life, what the launcher knows of its earlier lives, the counters the process publishes)
/// and what the kernel says about it (CPU time, resident memory). Reading it takes no lock
/// and never waits on the process.
/// </summary>
/// <param name="Id">The process id within the cluster: 0 for the primary, 1..N for workers.</param>
/// <param name="ProcessId">The operating system's process id (0 while the launcher is still starting it).</param>
/// <param name="Role">"primary", "worker", or the name given with <c>--role NAME=N</c>.</param>
/// <param name="Status">Where the process is in its life.</param>
/// <param name="ExitCode">Once it has ended: its exit code, or 128 + signal if it was killed.</param>
public sealed record WorkerInfo(int Id, int ProcessId, string Role, WorkerStatus Status, int? ExitCode)
{
    /// <summary>When the launcher started this process (of this id: a revived worker's own start).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>How many times the launcher started this id again (revives and restarts).</summary>
    public int Restarts { get; init; }

    /// <summary>How the previous process with this id ended: its exit code, or 128 + signal; null if none has.</summary>
    public int? LastExitCode { get; init; }

    /// <summary>Why the previous process with this id ended.</summary>
    public WorkerExitCause LastExitCause { get; init; }

    /// <summary>RPC calls it is serving now.</summary>
    public int CallsInFlight { get; init; }

    /// <summary>RPC calls it has answered (any outcome), since this process started.</summary>
    public long CallsServed { get; init; }

    /// <summary>Messages waiting in its inbox (RPC requests, answers and events not yet read).</summary>
    public long InboxDepth { get; init; }

    /// <summary>True while it is <see cref="WorkerStatus.Running"/> and serving a call or has messages waiting.</summary>
    public bool IsBusy => Status == WorkerStatus.Running && (CallsInFlight > 0 || InboxDepth > 0);

    /// <summary>CPU time it has used (user and system), from <c>/proc</c>; null once it has ended.</summary>
    public TimeSpan? CpuTime { get; init; }

    /// <summary>Its resident memory (RSS) in bytes, from <c>/proc</c>; null once it has ended.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Its managed heap in bytes, as it published it (about once a second); null if it does not use the library.</summary>
    public long? GcHeapBytes { get; init; }
}
