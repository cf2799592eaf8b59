using System.Text.Json.Nodes;
using DotnetWorkers;
using DotnetWorkers.Documents;

/// <summary>
/// The shared document across processes. "document-concurrent N": every process observes
/// the document, then patches it N times ($inc of one counter and $push of "ID:I" in one
/// update); each checks that its observer saw every version once, in order, and the
/// primary that no increment was lost and each writer's pushes kept their order.
/// "document-kill" (with --on-worker-exit=revive): worker 1 patches in a loop until the test
/// SIGKILLs it; revived, it checks the document is whole (the counter equals the array's
/// length, the array is 1..n) and patches it again.
/// </summary>
internal static class DocumentScenario
{
    internal static int Concurrent(int patches)
    {
        SharedDocument document = Cluster.Documents.Open("shared", """{"count": 0, "log": []}""");
        int processes = Cluster.WorkerCount + 1;
        using var bound = new CancellationTokenSource(Program.Bound);
        var versions = new List<long>();
        long total = (long)patches * processes;
        // Its first snapshot taken before any process patches: from then on it misses nothing.
        IAsyncEnumerator<DocumentChange> changes = document.Observe("", bufferSize: (int)total + 16, bound.Token).GetAsyncEnumerator(bound.Token);
        if (!changes.MoveNextAsync().AsTask().Wait(Program.Bound) || changes.Current.Kind != DocumentChangeKind.Snapshot)
        {
            Program.Say($"doc-no-snapshot id={Cluster.WorkerId}");
            return 1;
        }

        Task observing = Task.Run(async () =>
        {
            while (await changes.MoveNextAsync())
            {
                versions.Add(changes.Current.Kind == DocumentChangeKind.Patch ? changes.Current.Version : -changes.Current.Version);
                if (changes.Current.Version == total)
                {
                    return;
                }
            }
        });

        Program.Barrier("observing");
        for (int i = 0; i < patches; i++)
        {
            document.Patch(Update.Inc("count", 1).Push("log", $"{Cluster.WorkerId}:{i}"));
        }

        observing.Wait(Program.Bound);
        changes.DisposeAsync().AsTask().Wait(Program.Bound);
        bool inOrder = versions.SequenceEqual(Enumerable.Range(1, (int)total).Select(v => (long)v));
        Program.Say($"doc-observed id={Cluster.WorkerId} changes={versions.Count} in-order={inOrder}");
        Program.Barrier("checked");
        if (Cluster.IsPrimary)
        {
            (JsonObject final, long version) = document.Read();
            string[] log = [.. final["log"]!.AsArray().Select(n => n!.GetValue<string>())];
            bool writersInOrder = Enumerable.Range(0, processes).All(id =>
                log.Where(e => e.StartsWith($"{id}:", StringComparison.Ordinal)).Select(e => int.Parse(e[(e.IndexOf(':') + 1)..]))
                   .SequenceEqual(Enumerable.Range(0, patches)));
            Program.Say($"doc-final version={version} count={final["count"]} log={log.Length} writers-in-order={writersInOrder}");
        }

        return 0;
    }

    internal static int Kill()
    {
        long life = Cluster.Store.Increment($"doc-life-{Cluster.WorkerId}");
        SharedDocument document = Cluster.Documents.Open("killed", """{"n": 0, "items": []}""");
        if (Cluster.WorkerId == 1 && life == 1)
        {
            Program.Say("doc-patching id=1");
            for (long i = 1; ; i++)
            {
                // Big enough that the kill often lands inside a patch's writes.
                document.Patch(Update.Inc("n", 1).Push("items", i).Set("last", new string('x', 4096)));
            }
        }

        if (Cluster.WorkerId == 1)
        {
            (JsonObject seen, long version) = document.Read();
            long n = seen["n"]!.GetValue<long>();
            long[] items = [.. seen["items"]!.AsArray().Select(e => e!.GetValue<long>())];
            bool whole = items.Length == n && items.SequenceEqual(Enumerable.Range(1, (int)n).Select(i => (long)i)) && version == n;
            long after = document.Patch(Update.Inc("n", 1).Push("items", n + 1));
            Program.Say($"doc-revived whole={whole} n={n} version={version} patched-to={after}");
            Program.Arrive("doc-checked");
        }

        if (Cluster.IsPrimary)
        {
            Program.AwaitAll("doc-checked", 1);
        }
        else
        {
            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound);
        }

        return 0;
    }

    /// <summary>
    /// "document-persist" (with --data-dir): the primary opens "persisted" (restored from the
    /// directory if a run before left it), says what it found, then patches it in a loop, one
    /// $inc and one $push of the next number per patch, saying every 10th version, until the
    /// test SIGKILLs the cluster. "document-persist-check": says what it found, and exits.
    /// </summary>
    internal static int Persist(bool loop)
    {
        if (!Cluster.IsPrimary)
        {
            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound);
            return 0;
        }

        SharedDocument document = Cluster.Documents.Open("persisted", """{"n": 0, "items": []}""");
        (JsonObject found, long version) = document.Read();
        long n = found["n"]!.GetValue<long>();
        long[] items = [.. found["items"]!.AsArray().Select(i => i!.GetValue<long>())];
        bool whole = n == version && items.SequenceEqual(Enumerable.Range(1, (int)n).Select(i => (long)i));
        Program.Say($"doc-opened version={version} n={n} whole={whole}");
        if (!loop)
        {
            return 0;
        }

        for (long next = n + 1; ; next++)
        {
            long v = document.Patch(Update.Inc("n", 1).Push("items", next));
            if (v % 10 == 0)
            {
                Program.Say($"doc-persisted version={v}");
            }
        }
    }

    /// <summary>
    /// "document-serve" (with --http): what the dashboard shows. The primary sets a few store
    /// keys, a queue and a lock, opens "board", says so, then raises its counter whenever the
    /// test asks (a line on stdin), until the cluster stops.
    /// </summary>
    internal static int Serve()
    {
        if (!Cluster.IsPrimary)
        {
            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound * 4);
            return 0;
        }

        Cluster.Store.Set("greeting", "hello");
        Cluster.Store.Increment("visits", 41);
        Cluster.Store.Increment("visits");
        Cluster.Queues.Open<int>("work").Writer.TryWrite(7);
        using var lease = Cluster.Locks.Mutex("board-lock").Acquire();
        SharedDocument board = Cluster.Documents.Open("board", """{"count": 0, "title": "orders", "tags": []}""");
        Program.Say("doc-serving");
        while (Console.ReadLine() is { } line && !Cluster.ShutdownToken.IsCancellationRequested)
        {
            long version = board.Patch(Update.Inc("count", 1).Push("tags", line));
            Program.Say($"doc-patched version={version}");
        }

        return 0;
    }
}
