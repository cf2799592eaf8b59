using System.Collections.Concurrent;
using System.Diagnostics;
using DotnetWorkers.Store;
using MemoryPack;
using StackExchange.Redis;

namespace DotnetWorkers.Bench.Store;

/// <summary>
/// Get, Set and Increment of small values, side by side in one run:
/// <list type="bullet">
/// <item>the cluster's store, from one process (this one, a cluster of one: the same code and
/// region layout as under the launcher);</item>
/// <item>a ConcurrentDictionary holding the same MemoryPack bytes, in process: the ceiling;</item>
/// <item>Redis on loopback through StackExchange.Redis, one connection: the usual alternative;</item>
/// <item>the store from 2 processes at once through the launcher, against 1 process the same way.</item>
/// </list>
/// Plus the store's bytes of overhead per entry.
/// </summary>
internal static class StoreBenchmark
{
    private const string Value = "a small value!!!"; // 16 chars
    private const int Keys = 1000;
    private static readonly string[] KeyNames = [.. Enumerable.Range(0, Keys).Select(i => $"key:{i}")];

    internal static void Run(string outDirectory, int milliseconds)
    {
        var report = new BenchReport("store",
            $"ns per operation, one thread: median of 5 interleaved runs of {milliseconds / 5} ms after every operation was warmed up " +
            $"and the JIT's tiering settled; {Keys} keys, a 16-char string value (36 bytes of MemoryPack)");

        SharedStore store = Cluster.Store; // a cluster of one in this process
        var dictionary = new ConcurrentDictionary<string, byte[]>();
        var counters = new ConcurrentDictionary<string, long>();
        foreach (string key in KeyNames)
        {
            store.Set(key, Value);
            dictionary[key] = MemoryPackSerializer.Serialize(Value);
        }

        string[] counterKeys = [.. KeyNames.Select(k => k + ":n")];
        var ops = new (string Name, Action<int> Op)[]
        {
            ("store-get", i => store.TryGet(KeyNames[i], out string? _)),
            ("store-set", i => store.Set(KeyNames[i], Value)),
            ("store-inc", i => store.Increment(counterKeys[i])),
            ("dict-get", i => MemoryPackSerializer.Deserialize<string>(dictionary[KeyNames[i]])),
            ("dict-set", i => dictionary[KeyNames[i]] = MemoryPackSerializer.Serialize(Value)),
            ("dict-inc", i => counters.AddOrUpdate(counterKeys[i], 1, (_, v) => v + 1)),
        };
        Dictionary<string, double> ns = Measure(ops, milliseconds / 5);
        double storeGet = ns["store-get"], storeSet = ns["store-set"], storeInc = ns["store-inc"];
        double dictGet = ns["dict-get"], dictSet = ns["dict-set"], dictInc = ns["dict-inc"];

        report.Add("store.get.concurrent-dictionary", dictGet, "ns");
        report.Add("store.set.concurrent-dictionary", dictSet, "ns");
        report.Add("store.increment.concurrent-dictionary", dictInc, "ns");
        report.Add("store.get.dotnet-workers", storeGet, "ns", "of ConcurrentDictionary", dictGet);
        report.Add("store.set.dotnet-workers", storeSet, "ns", "of ConcurrentDictionary", dictSet);
        report.Add("store.increment.dotnet-workers", storeInc, "ns", "of ConcurrentDictionary", dictInc);

        using (RedisServer? redis = RedisServer.TryStart(out string? whyNot))
        {
            if (redis is null)
            {
                Console.WriteLine($"store.redis: skipped: {whyNot}");
            }
            else
            {
                using ConnectionMultiplexer connection = ConnectionMultiplexer.Connect($"127.0.0.1:{redis.Port}");
                IDatabase db = connection.GetDatabase();
                byte[] bytes = MemoryPackSerializer.Serialize(Value);
                foreach (string key in KeyNames)
                {
                    db.StringSet(key, bytes);
                }

                Dictionary<string, double> redisNs = Measure(
                [
                    ("get", i => MemoryPackSerializer.Deserialize<string>((byte[])db.StringGet(KeyNames[i])!)),
                    ("set", i => db.StringSet(KeyNames[i], MemoryPackSerializer.Serialize(Value))),
                    ("inc", i => db.StringIncrement(counterKeys[i])),
                ], milliseconds / 5);
                double redisGet = redisNs["get"], redisSet = redisNs["set"], redisInc = redisNs["inc"];
                report.Add("store.get.redis", redisGet, "ns", "of dotnet-workers", storeGet);
                report.Add("store.set.redis", redisSet, "ns", "of dotnet-workers", storeSet);
                report.Add("store.increment.redis", redisInc, "ns", "of dotnet-workers", storeInc);
            }
        }

        // Each figure is a separate launched cluster: 1 and 2 active processes take turns,
        // three times, and the medians count (one run alone moves 20% on a busy VM).
        foreach (string op in new[] { "get", "set", "inc" })
        {
            var one = new List<double>();
            var two = new List<double>();
            for (int round = 0; round < 3; round++)
            {
                one.Add(ProcessesThroughput(op, 1, milliseconds));
                two.Add(ProcessesThroughput(op, 2, milliseconds));
            }

            double oneMedian = one.Order().ElementAt(1), twoMedian = two.Order().ElementAt(1);
            report.Add($"store.{op}.1-process", oneMedian, "ops/s");
            report.Add($"store.{op}.2-processes", twoMedian, "ops/s", "of 1 process", oneMedian);
        }

        report.Add("store.overhead-per-entry", OverheadPerEntry(), "bytes");
        LockHandoff(report);
        report.Write(outDirectory);
    }

    /// <summary>
    /// Nanoseconds per call of each operation: every operation is warmed up first (so tiered
    /// compilation has moved them all to their final code), then the operations take turns,
    /// five rounds of `slice` ms each, and the median round counts.
    /// </summary>
    private static Dictionary<string, double> Measure((string Name, Action<int> Op)[] ops, int slice)
    {
        foreach (var (_, op) in ops)
        {
            Loop(300, op);
        }

        Thread.Sleep(500); // the JIT's background tier-up
        foreach (var (_, op) in ops)
        {
            Loop(100, op);
        }

        var rounds = ops.ToDictionary(o => o.Name, _ => new List<double>());
        for (int round = 0; round < 5; round++)
        {
            foreach (var (name, op) in ops)
            {
                var clock = Stopwatch.StartNew();
                long count = Loop(slice, op);
                rounds[name].Add(clock.Elapsed.TotalNanoseconds / count);
            }
        }

        return rounds.ToDictionary(r => r.Key, r => r.Value.Order().ElementAt(2));
    }

    private static long Loop(int milliseconds, Action<int> op)
    {
        long count = 0;
        long end = Environment.TickCount64 + milliseconds;
        while (Environment.TickCount64 < end)
        {
            for (int i = 0; i < Keys; i++)
            {
                op(i);
            }

            count += Keys;
        }

        return count;
    }

    /// <summary>Total operations per second of `active` processes of a launched cluster.</summary>
    private static double ProcessesThroughput(string op, int active, int milliseconds)
    {
        string output = RunProbe([op, active.ToString(), milliseconds.ToString()]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("ops ", StringComparison.Ordinal))
            .Select(l => l.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)))
            .Sum(f => f["count"] / (f["ms"] / 1000));
    }

    /// <summary>
    /// Lock hand-off latency, from the release in one process to the acquisition in another
    /// that waited for it (AcquireAsync: woken through the doorbell; Acquire: the futex),
    /// against a SemaphoreSlim handed from one thread to a waiting task in one process, the
    /// ceiling (an await that another thread's release completes, as for AcquireAsync).
    /// </summary>
    private static void LockHandoff(BenchReport report)
    {
        const int rounds = 1000;
        (double median, double p99) ceiling = Percentiles(SemaphoreSlimHandoff(rounds));
        report.Add("lock.handoff.semaphoreslim.median", ceiling.median / 1000, "us");
        report.Add("lock.handoff.semaphoreslim.p99", ceiling.p99 / 1000, "us");
        foreach (string mode in new[] { "async", "sync" })
        {
            string output = RunProbe(["handoff", rounds.ToString(), mode]);
            string line = output.Split('\n').Single(l => l.StartsWith("handoff ns=", StringComparison.Ordinal));
            (double median, double p99) = Percentiles([.. line["handoff ns=".Length..].Split(',').Select(long.Parse)]);
            string name = mode == "async" ? "acquire-async" : "acquire";
            report.Add($"lock.handoff.{name}.median", median / 1000, "us", "of SemaphoreSlim", ceiling.median / 1000);
            report.Add($"lock.handoff.{name}.p99", p99 / 1000, "us", "of SemaphoreSlim", ceiling.p99 / 1000);
        }
    }

    private static List<long> SemaphoreSlimHandoff(int rounds)
    {
        using var semaphore = new SemaphoreSlim(1, 1);
        var samples = new List<long>(rounds);
        for (int round = 0; round < rounds + 100; round++)
        {
            semaphore.Wait();
            Task<long> waiter = Task.Run(async () =>
            {
                await semaphore.WaitAsync().ConfigureAwait(false);
                long acquiredAt = Stopwatch.GetTimestamp();
                semaphore.Release();
                return acquiredAt;
            });
            Thread.Sleep(1);  // the waiter is parked
            long releasedAt = Stopwatch.GetTimestamp();
            semaphore.Release();
            long acquired = waiter.GetAwaiter().GetResult();
            if (round >= 100)
            {
                samples.Add((long)((acquired - releasedAt) * (1e9 / Stopwatch.Frequency)));
            }
        }

        return samples;
    }

    private static (double Median, double P99) Percentiles(List<long> samples)
    {
        samples.Sort();
        return (samples[samples.Count / 2], samples[(int)(samples.Count * 0.99)]);
    }

    /// <summary>Runs the StoreProbe app as a cluster of two (the primary and one worker); its output.</summary>
    private static string RunProbe(string[] arguments)
    {
        string launcher = Path.Combine(Paths.Artifacts, "bin", "dotnet-workers");
        string probe = Path.Combine(Paths.Artifacts, "bench", "apps", "StoreProbe", "StoreProbe.dll");
        var info = new ProcessStartInfo(launcher) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in (string[])["--workers=1", "--memory=1g", probe, .. arguments])
        {
            info.ArgumentList.Add(a);
        }

        using Process cluster = Process.Start(info)!;
        string output = cluster.StandardOutput.ReadToEnd();
        if (!cluster.WaitForExit(TimeSpan.FromSeconds(120)) || cluster.ExitCode != 0)
        {
            throw new InvalidOperationException($"the StoreProbe cluster failed ({cluster.ExitCode}): {output}");
        }

        return output;
    }

    /// <summary>Heap bytes per entry beyond the key and value themselves, for 100,000 small entries.</summary>
    private static double OverheadPerEntry()
    {
        SharedStore store = Cluster.Store;
        const int entries = 100_000;
        long before = Cluster.Memory.UsedBytes;
        for (int i = 0; i < entries; i++)
        {
            store.Set($"overhead:{i:D6}", (long)i); // a 15-byte key, an 8-byte value
        }

        long after = Cluster.Memory.UsedBytes;
        foreach (string key in store.Keys("overhead:").ToList())
        {
            store.Remove(key);
        }

        return ((double)(after - before) / entries) - (15 + 8);
    }
}
