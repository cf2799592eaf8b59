namespace DotnetWorkers;

/// <summary>A snapshot of one process of the cluster, as the shared process table records it.</summary>
/// <param name="Id">The process id within the cluster: 0 for the primary, 1..N for workers.</param>
/// <param name="ProcessId">The operating system's process id (0 while the launcher is still starting it).</param>
/// <param name="Role">"primary", "worker", or the name given with <c>--role NAME=N</c>.</param>
/// <param name="Status">Where the process is in its life.</param>
/// <param name="ExitCode">Once it has ended: its exit code, or 128 + signal if it was killed.</param>
public sealed record WorkerInfo(int Id, int ProcessId, string Role, WorkerStatus Status, int? ExitCode);
