namespace DotnetWorkers.Hosting;

/// <summary><see cref="IClusterContext"/> over the static <see cref="Cluster"/>: what <c>AddDotnetWorkers()</c> registers.</summary>
internal sealed class ClusterContext : IClusterContext
{
    public bool IsPrimary => Cluster.IsPrimary;

    public int WorkerId => Cluster.WorkerId;

    public int WorkerCount => Cluster.WorkerCount;

    public string Role => Cluster.Role;

    public int ProcessId => Cluster.ProcessId;

    public bool IsStandalone => Cluster.IsStandalone;

    public CancellationToken ShutdownToken => Cluster.ShutdownToken;

    public IReadOnlyList<WorkerInfo> Workers => Cluster.Workers;

    public bool SignalReady() => Cluster.SignalReady();

    public void Leave() => Cluster.Leave();

    public Task<IReadOnlyList<int>> StartWorkersAsync(string role, int count = 1, CancellationToken cancellationToken = default) =>
        Cluster.StartWorkersAsync(role, count, cancellationToken);

    public Task StopWorkerAsync(int id, CancellationToken cancellationToken = default) => Cluster.StopWorkerAsync(id, cancellationToken);

    public Task<WorkerInfo> RestartWorkerAsync(int id, CancellationToken cancellationToken = default) =>
        Cluster.RestartWorkerAsync(id, cancellationToken);
}
