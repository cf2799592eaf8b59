using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Runs the hosted service <typeparamref name="TService"/> only in the processes of one role
/// (<c>AddWorkerService&lt;T&gt;(role:)</c>): elsewhere it is never even created, so its
/// dependencies are not either.
/// </summary>
internal sealed class RoleHostedService<TService>(IServiceProvider services, IClusterContext cluster, string role) : IHostedService
    where TService : class, IHostedService
{
    private TService? _service;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.Equals(cluster.Role, role, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        _service = services.GetRequiredService<TService>();
        return _service.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _service?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
