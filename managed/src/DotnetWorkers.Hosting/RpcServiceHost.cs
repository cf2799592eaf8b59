using Microsoft.Extensions.Hosting;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Serves <typeparamref name="TService"/> to the cluster from the implementation dependency
/// injection makes (created only where it is served), while the host runs (<c>AddRpcService</c>): from its start, until it
/// stops (calls already running finish), in the processes of one role or in all.
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
        Interlocked.Exchange(ref _serving, null)?.Dispose();
        return Task.CompletedTask;
    }
}
