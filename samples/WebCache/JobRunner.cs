using System.Security.Cryptography;
using System.Text;
using DotnetWorkers;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;

namespace WebCache;

/// <summary>
/// The background job of the <c>jobs</c> role: takes jobs from the shared queue that every
/// web process writes to, works each out, and stores the result for whichever process is
/// asked for it.
/// </summary>
internal sealed class JobRunner(ISharedQueues queues, ISharedStore store, IClusterContext cluster, ILogger<JobRunner> logger) : BackgroundService
{
    public const string QueueName = "jobs";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var jobs = queues.Open<Job>(QueueName);
        logger.LogInformation("Taking jobs from the queue '{Queue}'", QueueName);
        await foreach (Job job in jobs.Reader.ReadAllAsync(stoppingToken))
        {
            store.Set($"job:{job.Id}", new JobResult(job.Id, Work(job), cluster.WorkerId), expiry: TimeSpan.FromMinutes(10));
            logger.LogInformation("Job {JobId} done", job.Id);
        }
    }

    // Work to stand for a real job: hash the job's id repeated to the given size, 100 rounds.
    private static string Work(Job job)
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(job.Id.ToString(), Math.Clamp(job.Digits, 1, 100_000))));
        for (int round = 0; round < 100; round++)
        {
            data = SHA256.HashData(data);
        }

        return Convert.ToHexString(data);
    }
}
