using DotnetWorkers;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;

namespace DwWeb;

/// <summary>The jobs role's background service: takes the jobs every web process queues, stores each result.</summary>
internal sealed class JobRunner(ISharedQueues queues, ISharedStore store, IClusterContext cluster) : BackgroundService
{
    public const string QueueName = "jobs";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (Job job in queues.Open<Job>(QueueName).Reader.ReadAllAsync(stoppingToken))
        {
            store.Set($"job:{job.Id}", new JobResult(job.Id, cluster.WorkerId), expiry: TimeSpan.FromMinutes(10));
        }
    }
}
