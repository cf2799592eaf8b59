namespace DotnetWorkers;

/// <summary>Where a process of the cluster is in its life. Values match the region's process table.</summary>
public enum WorkerStatus
{
    /// <summary>Started by the launcher; its runtime is booting or it has not used the library yet.</summary>
    Starting = 1,

    /// <summary>Running, with the DotnetWorkers library bound to the cluster.</summary>
    Running = 2,

    /// <summary>Asked to shut down, not yet exited.</summary>
    Stopping = 3,

    /// <summary>Exited on its own; <see cref="WorkerInfo.ExitCode"/> has its code.</summary>
    Exited = 4,

    /// <summary>Killed by a signal; <see cref="WorkerInfo.ExitCode"/> is 128 + the signal number.</summary>
    Killed = 5,

    /// <summary>
    /// Died (<see cref="WorkerInfo.ExitCode"/> says how) and will be started again with the
    /// same id and role, after a delay (<c>--on-worker-exit=revive</c>).
    /// </summary>
    Reviving = 6,
}
