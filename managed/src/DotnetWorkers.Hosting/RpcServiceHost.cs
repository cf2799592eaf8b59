using Microsoft.Extensions.Hosting;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Serves <typeparamref name="TService"/> to the cluster from the implementation dependency
/// injection makes (created only where it is served), while the host runs
/// (<c>AddRpcService</c>): from its start until it stops on its own (calls already running
/// finish) or, in a shutdown, until the process exits; in the processes of one role or in all.
/// </summary>
internal sealed class RpcServiceHost<TService>(Func<TService> implementation, IClusterRpc rpc, IClusterContext cluster, string? role) : IHostedService
    where TService : class
{
    private IDisposable? _serving;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (role is null || string.Equals(cluster.Role, role, StringComparison.Ordinal))
        {
            _serving = rpc.Serve(implementation());
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // A host that stops because the cluster (or this process) is shutting down keeps
        // serving until the process exits, as Cluster.Serve does: the primary may still call
        // its workers while it finishes up. One that stops on its own stops serving now.
        if (!cluster.ShutdownToken.IsCancellationRequested)
        {
            Interlocked.Exchange(ref _serving, null)?.Dispose();
        }

        return Task.CompletedTask;
    }
}
