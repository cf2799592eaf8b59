// JobQueue: the primary enqueues work, the workers take it from a shared queue as they
// become free, and the results come back through another queue. Run it with
//   artifacts/bin/dotnet-workers --workers=3 artifacts/samples/JobQueue/JobQueue.dll
using DotnetWorkers;
using DotnetWorkers.Queues;
using MemoryPack;

SharedQueue<Job> jobs = Cluster.Queues.Open<Job>("jobs", capacity: 64);
SharedQueue<JobResult> results = Cluster.Queues.Open<JobResult>("results", capacity: 64);

if (!Cluster.IsPrimary)
{
    // Take jobs until the primary completes the queue; then this worker is done.
    await foreach (Job job in jobs.ReadAllAsync(Cluster.ShutdownToken))
    {
        long primes = CountPrimes(job.From, job.To);
        await results.WriteAsync(new JobResult(job.Id, Cluster.WorkerId, primes), Cluster.ShutdownToken);
    }

    return;
}

const int JobCount = 20;
const int Span = 200_000;
using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));

// The writer and the reader run together: the queues are bounded, so a primary that wrote
// everything first would wait for room while nobody read the results.
Task producer = Task.Run(async () =>
{
    for (int i = 0; i < JobCount; i++)
    {
        await jobs.WriteAsync(new Job(i, (long)i * Span, (long)(i + 1) * Span), bound.Token);
    }

    jobs.Complete();
});

var perWorker = new Dictionary<int, int>();
long total = 0;
for (int received = 0; received < JobCount; received++)
{
    JobResult r = await results.ReadAsync(bound.Token);
    perWorker[r.WorkerId] = perWorker.GetValueOrDefault(r.WorkerId) + 1;
    total += r.Primes;
}

await producer;
Console.WriteLine($"{JobCount} jobs done: {total} primes below {JobCount * Span}");
foreach ((int worker, int count) in perWorker.OrderBy(p => p.Key))
{
    Console.WriteLine($"  worker {worker} did {count} jobs");
}

static long CountPrimes(long from, long to)
{
    long count = 0;
    for (long n = Math.Max(from, 2); n < to; n++)
    {
        bool prime = true;
        for (long d = 2; d * d <= n; d++)
        {
            if (n % d == 0)
            {
                prime = false;
                break;
            }
        }

        if (prime)
        {
            count++;
        }
    }

    return count;
}

/// <summary>Count the primes in [From, To).</summary>
[MemoryPackable]
public sealed partial record Job(int Id, long From, long To);

/// <summary>What a worker found.</summary>
[MemoryPackable]
public sealed partial record JobResult(int JobId, int WorkerId, long Primes);
