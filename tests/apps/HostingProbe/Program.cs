// A Generic Host app that is a cluster member through DotnetWorkers.Hosting. The launcher
// tests run it with --workers=1 --role jobs=1 (ids: 0 primary, 1 worker, 2 jobs):
// - every process resolves the cluster's services from DI and counts itself in the store;
// - a hosted service runs only in the jobs role (AddWorkerService), and serves IEcho there
//   (AddRpcService); the primary calls it through a proxy from DI (AddRpcProxy);
// - worker 1 stops its host on its own: it must exit cleanly while the cluster runs on;
// - the primary then stops its host: the cluster shuts down, and the jobs worker's host
//   stops on the cluster's ShutdownToken.
// With HOSTINGPROBE_FAIL_JOBS set, the jobs service fails instead: its process exits 1.
// Lines starting "probe " are what the tests read; logs go to stdout with their scopes.
using DotnetWorkers;
using DotnetWorkers.Buffers;
using DotnetWorkers.Events;
using DotnetWorkers.Locks;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;
using HostingProbe;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.UseDotnetWorkers();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(console => console.IncludeScopes = true);
builder.Services.AddWorkerService<JobsOnly>(role: "jobs");
builder.Services.AddRpcService<IEcho, Echo>(role: "jobs");
builder.Services.AddRpcProxy<IEcho>(timeout: TimeSpan.FromSeconds(10));
builder.Services.AddHostedService<Scenario>();
using IHost host = builder.Build();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() =>
    Probe.Line($"stopped {host.Services.GetRequiredService<IClusterContext>().WorkerId}"));
host.Run();  // no exit code of its own: Environment.ExitCode decides, as in the SDK's templates

namespace HostingProbe
{
    internal static class Probe
    {
        public static void Line(string text)
        {
            Console.Out.WriteLine("probe " + text);
            Console.Out.Flush();
        }
    }

    /// <summary>The RPC contract served by the jobs role.</summary>
    public interface IEcho
    {
        Task<string> EchoAsync(string text);
    }

    internal sealed class Echo(IClusterContext cluster) : IEcho
    {
        public Task<string> EchoAsync(string text) => Task.FromResult($"{text} from {cluster.WorkerId} {cluster.Role}");
    }

    /// <summary>Runs only in the jobs role.</summary>
    internal sealed class JobsOnly(IClusterContext cluster, ILogger<JobsOnly> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            logger.LogInformation("jobs service running");
            Probe.Line($"role-service {cluster.WorkerId} {cluster.Role}");
            if (Environment.GetEnvironmentVariable("HOSTINGPROBE_FAIL_JOBS") is not null)
            {
                await Task.Delay(100, stoppingToken);
                throw new InvalidOperationException("the jobs database is gone");  // the host stops; the process must not exit 0
            }
        }
    }

    internal sealed class Scenario(IServiceProvider services, IClusterContext cluster, ISharedStore store, IHostApplicationLifetime lifetime)
        : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            // Every service resolves, and they are the cluster's: the count is shared.
            _ = services.GetRequiredService<ISharedBuffers>();
            _ = services.GetRequiredService<ISharedLocks>();
            _ = services.GetRequiredService<ISharedQueues>();
            _ = services.GetRequiredService<ISharedEvents>();
            _ = services.GetRequiredService<IClusterRpc>();
            store.Increment("started");
            Probe.Line($"started {cluster.WorkerId} {cluster.Role}");

            if (cluster.WorkerId == 1)
            {
                Probe.Line("worker 1 stops its host");
                lifetime.StopApplication();
                return;
            }

            if (!cluster.IsPrimary)
            {
                return;  // runs until the cluster stops it
            }

            if (Environment.GetEnvironmentVariable("HOSTINGPROBE_FAIL_JOBS") is not null)
            {
                // The jobs worker's failure is what ends this cluster: the primary must not
                // stop it first (its failure would then be one during shutdown).
                await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            using var bound = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            bound.CancelAfter(TimeSpan.FromSeconds(20));
            while (!(store.TryGet("started", out long started) && started == 3
                && cluster.Workers.Any(w => w.Id == 1 && w.Status == WorkerStatus.Exited)))
            {
                await Task.Delay(20, bound.Token);
            }

            WorkerInfo one = cluster.Workers.Single(w => w.Id == 1);
            Probe.Line($"worker 1 {one.Status} {one.ExitCode}");
            await services.GetRequiredService<IClusterRpc>().WaitForServersAsync<IEcho>(1, bound.Token);
            Probe.Line($"echo {await services.GetRequiredService<IEcho>().EchoAsync("hi")}");
            lifetime.StopApplication();
        }
    }
}
