namespace DotnetWorkers;

/// <summary>Why the previous process with a worker's id ended (<see cref="WorkerInfo.LastExitCause"/>).</summary>
public enum WorkerExitCause
{
    /// <summary>No process with this id has ended yet.</summary>
    None = 0,

    /// <summary>It exited with code 0.</summary>
    Finished = 1,

    /// <summary>It was killed by a signal or exited with another code (and was revived: <c>--on-worker-exit=revive</c>).</summary>
    Failed = 2,

    /// <summary>Its resident memory passed <c>--max-memory</c>, and the launcher restarted it.</summary>
    MemoryLimit = 3,

    /// <summary>It was restarted on request (<see cref="Cluster.RestartWorkerAsync"/>, <c>dotnet-workers restart</c>).</summary>
    Requested = 4,
}
