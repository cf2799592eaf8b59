namespace DotnetWorkers;

/// <summary>
/// Who this process is in the cluster and what it may ask of the launcher
/// (<see cref="Cluster"/>'s identity and supervision members), as an interface: what
/// dependency injection hands out (<c>AddDotnetWorkers()</c>), so code can be tested as any
/// worker of any role with a fake.
/// </summary>
public interface IClusterContext
{
    /// <inheritdoc cref="Cluster.IsPrimary"/>
    bool IsPrimary { get; }

    /// <inheritdoc cref="Cluster.WorkerId"/>
    int WorkerId { get; }

    /// <inheritdoc cref="Cluster.WorkerCount"/>
    int WorkerCount { get; }

    /// <inheritdoc cref="Cluster.Role"/>
    string Role { get; }

    /// <inheritdoc cref="Cluster.ProcessId"/>
    int ProcessId { get; }

    /// <inheritdoc cref="Cluster.IsStandalone"/>
    bool IsStandalone { get; }

    /// <inheritdoc cref="Cluster.ShutdownToken"/>
    CancellationToken ShutdownToken { get; }

    /// <inheritdoc cref="Cluster.Workers"/>
    IReadOnlyList<WorkerInfo> Workers { get; }

    /// <inheritdoc cref="Cluster.SignalReady"/>
    bool SignalReady();

    /// <inheritdoc cref="Cluster.Leave"/>
    void Leave();

    /// <inheritdoc cref="Cluster.StartWorkersAsync(string, int, CancellationToken)"/>
    Task<IReadOnlyList<int>> StartWorkersAsync(string role, int count = 1, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="Cluster.StopWorkerAsync(int, CancellationToken)"/>
    Task StopWorkerAsync(int id, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="Cluster.RestartWorkerAsync(int, CancellationToken)"/>
    Task<WorkerInfo> RestartWorkerAsync(int id, CancellationToken cancellationToken = default);
}
