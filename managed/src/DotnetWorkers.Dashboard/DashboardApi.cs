using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DotnetWorkers.Documents;
using DotnetWorkers.Supervision;

namespace DotnetWorkers.Dashboard;

/// <summary>
/// The JSON API: <c>/api/workers</c> (the <c>ps</c> table), <c>/api/store</c>, <c>/api/documents</c>
/// (GET, and PATCH with --http-write), <c>/api/queues</c>, <c>/api/locks</c>, and the page's
/// Server-Sent Events. Reads go to the region directly, as <c>inspect</c> reads it.
/// </summary>
internal sealed class DashboardApi(ClusterRuntime runtime, DashboardSettings settings)
{
    /// <summary>How many keys /api/store returns values for (each value is one read of the store).</summary>
    private const int MaxValues = 1000;

    /// <summary>How many store keys the page's overview shows (all of them: /api/store).</summary>
    private const int ShownKeys = 50;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private readonly CpuSampler _cpu = new();
    private readonly Lock _cpuGate = new();

    // The streams end when the host stops (a revive, the cluster's shutdown), not only when
    // their client goes: an open page must not hold this process up for the whole stop timeout.
    private CancellationToken _stopping;

    private nint Region => runtime.Region.Handle.DangerousGetHandle();

    public void Map(WebApplication app)
    {
        _stopping = app.Lifetime.ApplicationStopping;
        app.MapGet("/", Page);
        app.MapGet("/api/workers", () => Results.Json(Workers()));
        app.MapGet("/api/store", (string? prefix, bool? all) => Results.Json(Store(prefix ?? "", all ?? false)));
        app.MapGet("/api/queues", () => Results.Json(RegionInspection.Queues(Region)));
        app.MapGet("/api/locks", () => Results.Json(RegionInspection.Locks(Region)));
        app.MapGet("/api/documents", () => Results.Json(Documents()));
        app.MapGet("/api/documents/{name}", GetDocument);
        app.MapMethods("/api/documents/{name}", ["PATCH"], PatchDocument);
        app.MapGet("/api/events", Overview);
        app.MapGet("/api/documents/{name}/events", DocumentEvents);
    }

    private static async Task Page(HttpContext context)
    {
        await using Stream page = typeof(DashboardApi).Assembly.GetManifestResourceStream("index.html")!;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await page.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private List<ProcessReport> Workers()
    {
        long now = Environment.TickCount64;
        lock (_cpuGate)
        {
            return [.. runtime.ReadWorkers().Select(w => ProcessReport.From(w, _cpu.Sample(w, now)))];
        }
    }

    /// <summary>The keys under <paramref name="prefix"/> (the library's own <c>dw.</c> keys only when asked), with their values when they are of a common type.</summary>
    private List<StoreKey> Store(string prefix, bool all)
    {
        var keys = new List<StoreKey>();
        foreach (RegionInspection.KeyInfo key in RegionInspection.Keys(Region, prefix))
        {
            if (!all && key.Key.StartsWith("dw.", StringComparison.Ordinal))
            {
                continue;
            }

            (string? type, JsonNode? value) = keys.Count < MaxValues ? ValueOf(key.Key) : (null, null);
            keys.Add(new StoreKey(key.Key, key.Bytes, key.ExpiresIn?.TotalSeconds, type, value));
        }

        return keys;
    }

    /// <summary>The value under <paramref name="key"/> if it is a number, a bool or a string; else no type (the store checks the type of every read).</summary>
    private (string? Type, JsonNode? Value) ValueOf(string key)
    {
        var store = runtime.Store;
        try
        {
            return store.TryGet(key, out long l) ? ("long", l) : (null, null);
        }
        catch (SharedTypeMismatchException e)
        {
            return e.StoredTypeName switch
            {
                "System.Int32" => Read<int>(key, "int"),
                "System.Double" => Read<double>(key, "double"),
                "System.Boolean" => Read<bool>(key, "bool"),
                "System.String" => Read<string>(key, "string"),
                _ => (e.StoredTypeName, null),
            };
        }
        catch (KeyNotFoundException)
        {
            return (null, null);
        }

        (string?, JsonNode?) Read<T>(string k, string name)
        {
            try
            {
                return store.TryGet(k, out T? v) ? (name, JsonValue.Create(v)) : (null, null);
            }
            catch (SharedTypeMismatchException)
            {
                return (null, null);
            }
        }
    }

    private List<DocumentSummary> Documents() =>
        [.. runtime.Documents.Names.Select(n => new DocumentSummary(n, runtime.Documents.Open(n).Version))];

    private IResult GetDocument(string name, HttpContext context)
    {
        if (Find(name) is not { } document)
        {
            return NoDocument(name);
        }

        (JsonObject value, long version) = document.Read();
        context.Response.Headers.ETag = ETag(version);
        return Results.Text(value.ToJsonString(), "application/json");
    }

    /// <summary>
    /// A MongoDB update document as the body, or <c>{"update": ..., "arrayFilters": [...]}</c>;
    /// <c>If-Match: "V"</c> applies it only at version V (else 412). 403 without --http-write.
    /// </summary>
    private async Task<IResult> PatchDocument(string name, HttpContext context)
    {
        if (!settings.AllowWrites)
        {
            return Results.Json(new ErrorBody("Patching documents over HTTP is off: start the cluster with --http-write.", null, null), statusCode: StatusCodes.Status403Forbidden);
        }

        if (Find(name) is not { } document)
        {
            return NoDocument(name);
        }

        DocumentUpdate update;
        try
        {
            JsonObject body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw new DocumentUpdateException("FailedToParse", null, "The body must be a JSON object: an update document, or {\"update\": ..., \"arrayFilters\": [...]}.");
            bool wrapped = body.ContainsKey("update") && !body.Any(p => p.Key.StartsWith('$'));
            update = wrapped
                ? DocumentUpdate.From(body["update"] as JsonObject ?? throw new DocumentUpdateException("FailedToParse", null, "\"update\" must be an update document (a JSON object)."),
                    (body["arrayFilters"] as JsonArray)?.Select(f => f as JsonObject ?? throw new DocumentUpdateException("FailedToParse", null, "Each array filter must be a JSON object.")))
                : DocumentUpdate.From(body);
        }
        catch (JsonException e)
        {
            return Results.Json(new ErrorBody($"The body is not JSON: {e.Message}", "FailedToParse", null), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (DocumentUpdateException e)
        {
            return Results.Json(new ErrorBody(e.Message, e.Code, e.Path), statusCode: StatusCodes.Status400BadRequest);
        }

        if (!TryReadIfMatch(context, out long? ifVersion))
        {
            return Results.Json(new ErrorBody($"If-Match takes one entity tag as ETag gives it (\"V\"), or *: not {context.Request.Headers.IfMatch}.", null, null),
                statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            long version = ifVersion is long expected
                ? await document.PatchAsync(update, expected, context.RequestAborted)
                : await document.PatchAsync(update, context.RequestAborted);
            context.Response.Headers.ETag = ETag(version);
            return Results.Json(new PatchResult(version));
        }
        catch (IOException e)
        {
            // Applied in the cluster, not (yet) on disk: the message says so, so that nobody sends it again.
            return Results.Json(new ErrorBody(e.Message, null, null), statusCode: StatusCodes.Status500InternalServerError);
        }
        catch (DocumentUpdateException e)
        {
            return Results.Json(new ErrorBody(e.Message, e.Code, e.Path), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (DocumentVersionMismatchException e)
        {
            return Results.Json(new ErrorBody(e.Message, null, null), statusCode: StatusCodes.Status412PreconditionFailed);
        }
    }

    /// <summary>Every second: the processes, and the sizes of the store, queues and documents.</summary>
    private async Task Overview(HttpContext context)
    {
        using var streaming = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        CancellationToken stop = streaming.Token;
        StartEvents(context);
        using var ticks = new PeriodicTimer(Tick);
        try
        {
            do
            {
                List<StoreKey> store = Store("", all: false);
                var summary = new Summary(
                    Workers(),
                    store.Count,
                    [.. store.Take(ShownKeys)],
                    RegionInspection.Queues(Region),
                    RegionInspection.Locks(Region),
                    Documents());
                await WriteEvent(context, "summary", JsonSerializer.Serialize(summary, JsonSerializerOptions.Web), stop);
            }
            while (await ticks.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>The document as it is (<c>snapshot</c>), then each patch as RFC 6902 operations (<c>patch</c>), as they commit in any process.</summary>
    private async Task DocumentEvents(string name, HttpContext context)
    {
        if (Find(name) is not { } document)
        {
            await NoDocument(name).ExecuteAsync(context);
            return;
        }

        using var streaming = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        CancellationToken stop = streaming.Token;
        StartEvents(context);
        try
        {
            await foreach (DocumentChange change in document.Observe("", stop))
            {
                var data = new JsonObject { ["version"] = change.Version };
                if (change.Kind == DocumentChangeKind.Snapshot)
                {
                    data["document"] = change.Value?.DeepClone();
                    data["missed"] = change.Missed;
                    await WriteEvent(context, "snapshot", data.ToJsonString(), stop);
                }
                else
                {
                    data["operators"] = new JsonArray([.. change.Operators.Select(o => (JsonNode?)o)]);
                    data["patch"] = new JsonArray([.. change.Changes.Select(c => (JsonNode?)c.ToJson())]);
                    await WriteEvent(context, "patch", data.ToJsonString(), stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static void StartEvents(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
    }

    private static async Task WriteEvent(HttpContext context, string name, string json, CancellationToken stop)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", stop);
        await context.Response.Body.FlushAsync(stop);
    }

    private SharedDocument? Find(string name)
    {
        try
        {
            return runtime.Documents.Exists(name) ? runtime.Documents.Open(name) : null;
        }
        catch (ArgumentException)
        {
            return null;  // not a document name
        }
    }

    private static IResult NoDocument(string name) =>
        Results.Json(new ErrorBody($"The cluster has no document '{name}'.", null, null), statusCode: StatusCodes.Status404NotFound);

    private static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// The version an <c>If-Match</c> asks for: none if it is absent or <c>*</c> (any version of
    /// a document that exists), else the one strong entity tag this API hands out (<c>"V"</c>).
    /// False for anything else (a weak tag, a list, garbage): refused, never read as "no condition".
    /// </summary>
    private static bool TryReadIfMatch(HttpContext context, out long? version)
    {
        version = null;
        string given = context.Request.Headers.IfMatch.ToString().Trim();
        if (given.Length == 0 || given == "*")
        {
            return true;
        }

        if (given.Length > 2 && given[0] == '"' && given[^1] == '"'
            && long.TryParse(given.AsSpan(1, given.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out long tagged))
        {
            version = tagged;
            return true;
        }

        return false;
    }
}

internal sealed record StoreKey(string Key, int Bytes, double? ExpiresInSeconds, string? Type, JsonNode? Value);

internal sealed record DocumentSummary(string Name, long Version);

internal sealed record PatchResult(long Version);

internal sealed record Summary(
    IReadOnlyList<ProcessReport> Workers,
    int StoreKeys,
    IReadOnlyList<StoreKey> Store,
    IReadOnlyList<RegionInspection.QueueInfo> Queues,
    IReadOnlyList<RegionInspection.LockInfo> Locks,
    IReadOnlyList<DocumentSummary> Documents);
