using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Ties the host's lifetime to the cluster's, both ways: the host stops when the cluster's
/// <see cref="IClusterContext.ShutdownToken"/> fires (a cluster shutdown, a stop or restart
/// of this worker, a reload, SIGTERM); a host that stops on its own first leaves the cluster
/// (<see cref="IClusterContext.Leave"/>), so the process exits when <c>Main</c> returns
/// instead of idling as a worker. Once started it reports readiness.
/// </summary>
/// <remarks>
/// A host stopped by a failed <see cref="BackgroundService"/> returns from <c>Run()</c> as if
/// nothing happened: in a cluster the process then exits with code 1
/// (<see cref="Environment.ExitCode"/>, unless the app set another or its <c>Main</c> returns
/// one), so the launcher's <c>--on-worker-exit</c> sees the failure it is. A cluster of
/// one (<c>dotnet app.dll</c>, a test process) never leaves: its token is the process's, and
/// another host in the same process may start after this one stopped.
/// </remarks>
internal sealed class ClusterHostLifetime(
    IClusterContext cluster, IHostApplicationLifetime lifetime, IServiceProvider services, IOptions<DotnetWorkersHostOptions> options)
    : IHostedService, IDisposable
{
    private readonly List<CancellationTokenRegistration> _registrations = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        CancellationToken shutdown = cluster.ShutdownToken;
        _registrations.Add(shutdown.Register(static state => ((IHostApplicationLifetime)state!).StopApplication(), lifetime));
        if (!cluster.IsStandalone)
        {
            _registrations.Add(lifetime.ApplicationStopping.Register(() =>
            {
                if (!shutdown.IsCancellationRequested)
                {
                    cluster.Leave();
                }
            }));
        }

        if (options.Value.SignalReadyWhenStarted)
        {
            // ApplicationStarted fires once every hosted service has started and the server listens.
            _registrations.Add(lifetime.ApplicationStarted.Register(() => cluster.SignalReady()));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (!cluster.IsStandalone && Environment.ExitCode == 0
            && services.GetServices<IHostedService>().OfType<BackgroundService>().Any(s => s.ExecuteTask?.IsFaulted == true))
        {
            Environment.ExitCode = 1;
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (CancellationTokenRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
