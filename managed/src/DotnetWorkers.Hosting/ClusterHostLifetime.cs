using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Ties the host's lifetime to the cluster's, both ways: the host stops when the cluster's
/// <see cref="IClusterContext.ShutdownToken"/> fires (a cluster shutdown, a stop or restart
/// of this worker, a reload, SIGTERM); a host that stops on its own first leaves the cluster
/// (<see cref="IClusterContext.Leave"/>), so the process exits cleanly when <c>Main</c>
/// returns instead of idling as a worker. Once started it reports readiness.
/// </summary>
internal sealed class ClusterHostLifetime(IClusterContext cluster, IHostApplicationLifetime lifetime, IOptions<DotnetWorkersHostOptions> options)
    : IHostedService, IDisposable
{
    private readonly List<CancellationTokenRegistration> _registrations = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        CancellationToken shutdown = cluster.ShutdownToken;
        _registrations.Add(shutdown.Register(static state => ((IHostApplicationLifetime)state!).StopApplication(), lifetime));
        _registrations.Add(lifetime.ApplicationStopping.Register(() =>
        {
            if (!shutdown.IsCancellationRequested)
            {
                cluster.Leave();
            }
        }));
        if (options.Value.SignalReadyWhenStarted)
        {
            // ApplicationStarted fires once every hosted service has started and the server listens.
            _registrations.Add(lifetime.ApplicationStarted.Register(() => cluster.SignalReady()));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (CancellationTokenRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
