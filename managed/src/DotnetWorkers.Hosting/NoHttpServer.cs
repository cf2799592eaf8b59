using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace DotnetWorkers.Hosting;

/// <summary>
/// The HTTP server of a cluster process the launcher gave no socket to (no <c>--listen</c>,
/// or one for another role): it listens nowhere. Kestrel would bind its own endpoints in every
/// process, and all but one would fail on the same port; the host runs on without it
/// (its background services, the cluster's RPC and queues).
/// </summary>
internal sealed partial class NoHttpServer(ILogger<NoHttpServer> logger, IClusterContext cluster) : IServer
{
    // No addresses, but the feature is there: app.Urls and what reads it work.
    public IFeatureCollection Features { get; } = NoAddresses();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        LogNoSocket(logger, cluster.WorkerId, cluster.Role);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }

    private static FeatureCollection NoAddresses()
    {
        var features = new FeatureCollection();
        features.Set<IServerAddressesFeature>(new ServerAddressesFeature());
        return features;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Process {WorkerId} (role {Role}) was given no socket by --listen: it serves no HTTP (DotnetWorkersHostOptions.HttpWithoutListen changes that)")]
    private static partial void LogNoSocket(ILogger logger, int workerId, string role);
}
