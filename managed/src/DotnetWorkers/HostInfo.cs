namespace DotnetWorkers;

/// <summary>
/// One machine's launcher in a cluster joined across machines (<c>--join</c>), as its last
/// heartbeat described it: <see cref="Cluster.Hosts"/> lists them.
/// </summary>
/// <param name="Index">The host's index, taken when its first process connected (the first host to join gets 0).
/// Its processes' ids are <c>Index * 1024</c> plus their id within the host.</param>
/// <param name="MachineName">The machine's name.</param>
/// <param name="InstanceId">The launcher's own id (machine, pid and a random part): two launchers on one machine differ.</param>
/// <param name="IsLocal">True for the host this process runs on.</param>
/// <param name="Processes">Its processes, by id.</param>
public sealed record HostInfo(int Index, string MachineName, string InstanceId, bool IsLocal, IReadOnlyList<HostProcessInfo> Processes);

/// <summary>A process of a <see cref="HostInfo"/>.</summary>
/// <param name="WorkerId">Its id in the whole cluster: unique across hosts (what <see cref="Cluster.WorkerId"/> says in it).</param>
/// <param name="ProcessId">Its operating-system pid, on its machine.</param>
/// <param name="Role">Its role.</param>
/// <param name="Status">Where it is in its life.</param>
public sealed record HostProcessInfo(int WorkerId, int ProcessId, string Role, WorkerStatus Status);
