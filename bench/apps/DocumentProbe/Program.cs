// The document benchmark's cross-process half, started by the launcher with --workers=1:
//   DocumentProbe patch <inc|push|set-1k> <active processes: 1|2> <milliseconds> <document.json>
// The first <active> processes patch one shared document (created from the JSON file) for
// the given time, starting together; each prints "ops id=N count=C ms=T".
//   DocumentProbe latency <rounds> <document.json>
// From a patch in one process to an observer in another: worker 1 observes the document; the
// primary sets "t" to the time (CLOCK_MONOTONIC, one clock for both), one patch at a time,
// waiting for worker 1 to have seen it. Worker 1 prints "latency ns=N,N,...".
using System.Diagnostics;
using System.Text.Json.Nodes;
using DotnetWorkers;
using DotnetWorkers.Documents;

SharedDocument document = Cluster.Documents.Open("bench", JsonNode.Parse(File.ReadAllText(args[^1]))!.AsObject());
if (args[0] == "latency")
{
    await LatencyAsync(document, int.Parse(args[1]));
    return;
}

string op = args[1];
int active = int.Parse(args[2]);
int milliseconds = int.Parse(args[3]);
DocumentUpdate[] updates = [.. Enumerable.Range(0, 1024).Select(i => Make(op, i))];
Barrier("ready");
if (Cluster.WorkerId < active)
{
    Run(document, updates, 300);  // warm up: JIT to the last tier, caches
    Thread.Sleep(300);
    Run(document, updates, 100);
    var clock = Stopwatch.StartNew();
    long count = Run(document, updates, milliseconds);
    Console.WriteLine($"ops id={Cluster.WorkerId} count={count} ms={clock.Elapsed.TotalMilliseconds:F1}");
}

Barrier("finished");

static DocumentUpdate Make(string op, int i) => op switch
{
    "inc" => DocumentUpdate.Parse("""{"$inc": {"counter": 1}}"""),
    "push" => Update.Push("list", i).Build(),
    // Each one different from what its slot holds (a $set of an equal value commits nothing).
    _ => Update.Set($"slots.s{Cluster.WorkerId}x{i % 64}", SubDocument(i)).Build(),
};

// About 1 KiB of JSON, as the in-process half's sub-documents.
static JsonObject SubDocument(long n)
{
    var sub = new JsonObject { ["n"] = n };
    for (int i = 0; i < 16; i++)
    {
        sub[$"field{i}"] = new string((char)('a' + i), 50);
    }

    return sub;
}

static long Run(SharedDocument document, DocumentUpdate[] updates, int milliseconds)
{
    long count = 0;
    long end = Environment.TickCount64 + milliseconds;
    while (Environment.TickCount64 < end)
    {
        for (int i = 0; i < 64; i++)
        {
            document.Patch(updates[(count + i) & 1023]);
        }

        count += 64;
    }

    return count;
}

static async Task LatencyAsync(SharedDocument document, int rounds)
{
    if (Cluster.WorkerId == 1)
    {
        var samples = new List<long>(rounds);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using IAsyncEnumerator<DocumentChange> changes = document.Observe("t", bound.Token).GetAsyncEnumerator(bound.Token);
        await changes.MoveNextAsync();  // the snapshot: observing from here on
        Cluster.Store.Set("observing", 1L);
        while (samples.Count < rounds + 100 && await changes.MoveNextAsync())
        {
            long seenAt = Stopwatch.GetTimestamp();
            if (changes.Current.Kind == DocumentChangeKind.Patch && changes.Current.Changes[0].Value is JsonNode t)
            {
                samples.Add((long)((seenAt - t.GetValue<long>()) * (1e9 / Stopwatch.Frequency)));
                Cluster.Store.Set("seen", changes.Current.Version);
            }
        }

        Console.WriteLine($"latency ns={string.Join(',', samples.Skip(100))}");  // the first 100 warm up
    }
    else if (Cluster.IsPrimary)
    {
        Until(() => Cluster.Store.TryGet("observing", out long o) && o == 1);
        for (int round = 0; round < rounds + 100; round++)
        {
            Thread.Sleep(1);  // the observer is parked by now, as one waiting for changes is
            long version = document.Patch(Update.Set("t", Stopwatch.GetTimestamp()));
            Until(() => Cluster.Store.TryGet("seen", out long seen) && seen == version);
        }
    }
}

// Polls every millisecond: a process that waits here must leave the core to the one measured.
static void Barrier(string name)
{
    Cluster.Store.Increment(name);
    var clock = Stopwatch.StartNew();
    while (Cluster.Store.Get<long>(name) < Cluster.WorkerCount + 1)
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new TimeoutException("the other process of the document benchmark did not keep up");
        }

        Thread.Sleep(1);
    }
}

static void Until(Func<bool> condition)
{
    var clock = Stopwatch.StartNew();
    while (!condition())
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new TimeoutException("the other process of the document benchmark did not keep up");
        }

        Thread.SpinWait(20);
    }
}
