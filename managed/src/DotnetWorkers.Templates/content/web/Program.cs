// One port, every core:  dotnet run
//   (or: dotnet-workers bin/Debug/net10.0/DwWeb.dll --workers=2 --role jobs=1 --listen 8080=worker)
// GET  /           which process answered
// GET  /hits       requests served by the whole cluster (a counter in the shared store)
// GET  /report     an expensive result, computed once per cluster and kept 60 s
// POST /jobs       a job for the jobs role, through a shared queue; GET /jobs/{id} its result
using DotnetWorkers;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;
using DwWeb;

var builder = WebApplication.CreateSlimBuilder(args);
builder.UseDotnetWorkers();
builder.Services.AddWorkerService<JobRunner>(role: "jobs");
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJson.Default));
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
var app = builder.Build();

app.Use((context, next) =>
{
    context.RequestServices.GetRequiredService<ISharedStore>().Increment("hits");
    return next(context);
});

app.MapGet("/", (IClusterContext cluster) => $"worker {cluster.WorkerId} ({cluster.Role}, pid {cluster.ProcessId})\n");

app.MapGet("/hits", (ISharedStore store) => $"{store.Get<long>("hits")}\n");

app.MapGet("/report", async (IClusterContext cluster, ISharedStore store, CancellationToken requestAborted) =>
    await store.GetOrSetAsync("report", _ => ValueTask.FromResult(Report.Compute(cluster.WorkerId)),
        expiry: TimeSpan.FromSeconds(60), cancellationToken: requestAborted));

app.MapPost("/jobs", async (ISharedQueues queues, ISharedStore store, CancellationToken requestAborted) =>
{
    long id = store.Increment("job-ids");
    await queues.Open<Job>(JobRunner.QueueName).Writer.WriteAsync(new Job(id), requestAborted);
    return Results.Accepted($"/jobs/{id}");
});

app.MapGet("/jobs/{id:long}", (long id, ISharedStore store) =>
    store.TryGet($"job:{id}", out JobResult? result) ? Results.Ok(result) : Results.NotFound());

app.Run();
