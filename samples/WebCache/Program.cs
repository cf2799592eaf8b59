// An ASP.NET Core minimal API served by every process of the cluster on one port:
//
//   dotnet-workers WebCache.dll --workers=2 --role jobs=1 --listen 8080=worker
//
// GET  /              which process answered
// GET  /hits          requests served by the whole cluster, and by each process (every
//                     request counts in the shared store)
// GET  /report        an expensive result (primes below 5,000,000), computed once per cluster
//                     through GetOrSetAsync and kept 60 s, whichever process is asked
// POST /jobs?digits=N a job for the jobs role, through a shared queue; 202 with its location
// GET  /jobs/{id}     the job's result once the jobs role has stored it (404 until then)
// GET  /plain         a few bytes (the web benchmark's plain endpoint)
// GET  /alloc         allocates ~4 MB in small arrays per request (the benchmark's GC-bound endpoint)
//
// Under plain `dotnet WebCache.dll` it is a cluster of one: the same endpoints, on
// Kestrel's own address (--urls), and no jobs role, so jobs wait in the queue.
using DotnetWorkers;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;
using WebCache;

var builder = WebApplication.CreateSlimBuilder(args);
builder.UseDotnetWorkers();
builder.Services.AddWorkerService<JobRunner>(role: "jobs");
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, WebCacheJson.Default));
builder.Logging.AddSimpleConsole(console => console.IncludeScopes = true);
// What the ASP.NET Core templates' appsettings.json sets: without it every request writes
// two Information lines ("Request starting", "Request finished") to the console, and the
// console, not the app, is what a load test measures. Set in code so that it holds from any
// working directory (the content root, where appsettings.json is looked for, is the cwd).
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
var app = builder.Build();

// Every request counts in the store, under a key of its process's own: one counter that
// all processes incremented would bounce its cache line between their cores on every request.
IClusterContext self = app.Services.GetRequiredService<IClusterContext>();
ISharedStore counters = app.Services.GetRequiredService<ISharedStore>();
string mine = $"hits:{self.WorkerId}";
app.Use((context, next) =>
{
    counters.Increment(mine);
    return next(context);
});

app.MapGet("/", (IClusterContext cluster) => $"worker {cluster.WorkerId} ({cluster.Role}, pid {cluster.ProcessId})\n");

app.MapGet("/hits", (ISharedStore store) =>
{
    Dictionary<string, long> byWorker = store.Keys("hits:").ToDictionary(key => key["hits:".Length..], key => store.Get<long>(key));
    return new Hits(byWorker.Values.Sum(), byWorker);
});

app.MapGet("/report", async (IClusterContext cluster, ISharedStore store, CancellationToken requestAborted) =>
    await store.GetOrSetAsync("report", _ => ValueTask.FromResult(Primes.Report(5_000_000, cluster.WorkerId)),
        expiry: TimeSpan.FromSeconds(60), cancellationToken: requestAborted));

app.MapPost("/jobs", async (int? digits, ISharedQueues queues, ISharedStore store, CancellationToken requestAborted) =>
{
    long id = store.Increment("job-ids");
    await queues.Open<Job>(JobRunner.QueueName).Writer.WriteAsync(new Job(id, digits ?? 1000), requestAborted);
    return Results.Accepted($"/jobs/{id}", new JobAccepted(id, $"/jobs/{id}"));
});

app.MapGet("/jobs/{id:long}", (long id, ISharedStore store) =>
    store.TryGet($"job:{id}", out JobResult? result) ? Results.Ok(result) : Results.NotFound());

app.MapGet("/plain", () => "ok\n");

app.MapGet("/alloc", () =>
{
    // ~4 MB of short-lived small arrays: a request that keeps the GC busy, as JSON
    // documents, buffers and strings do in real handlers. The last few are kept in an
    // array so they escape to the heap (the JIT places small arrays that do not escape on
    // the stack).
    var recent = new byte[16][];
    long sum = 0;
    for (int i = 0; i < 4096; i++)
    {
        byte[] block = new byte[1024];
        block[i % block.Length] = (byte)i;
        recent[i % recent.Length] = block;
        sum += block[i % block.Length];
    }

    return $"{sum}\n";
});

app.Run();

/// <summary>The expensive part of /report.</summary>
internal static class Primes
{
    public static Report Report(int below, int workerId)
    {
        var composite = new bool[below];
        long count = 0;
        for (long i = 2; i < below; i++)
        {
            if (composite[i])
            {
                continue;
            }

            count++;
            for (long j = i * i; j < below; j += i)
            {
                composite[j] = true;
            }
        }

        return new Report(below, count, workerId, DateTime.UtcNow);
    }
}
