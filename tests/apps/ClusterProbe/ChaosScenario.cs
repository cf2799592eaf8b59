using System.Diagnostics;
using DotnetWorkers;
using DotnetWorkers.Locks;

/// <summary>
/// chaos KILLS (3 workers, --on-worker-exit=revive): every worker works the store, a mutex,
/// buffers, RPC and a queue in a loop with invariants it can check, while the primary
/// SIGKILLs a random worker at a random moment KILLS times, checking after each kill that
/// the worker came back and nothing broke. The primary prints one "chaos ..." line of
/// figures and violations; every violation is also a line "violation ...".
/// </summary>
/// <remarks>
/// Values are byte arrays. MemoryPack's generic entry points carry
/// [DynamicallyAccessedMembers(All)], which for an array type includes the array's
/// constructor taking long lengths, and NativeAOT flags that (IL3050) where T = byte[] is
/// instantiated; MemoryPack's array formatter never calls it. README, "NativeAOT apps".
/// </remarks>
[System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "T = byte[]: see remarks")]
internal static class ChaosScenario
{
    private const int ValueBytes = 120;

    private static long s_violations;

    internal static int Run(int kills)
    {
        WaitHandle shutdown = Cluster.ShutdownToken.WaitHandle;
        if (!Cluster.IsPrimary)
        {
            using IDisposable serving = Cluster.Serve<IChaosProbe>(new ChaosProbe());
            Work(shutdown);
            return 0;
        }

        int buffersBaseline = Cluster.Memory.Buffers;
        var random = new Random(12345);
        var clock = Stopwatch.StartNew();
        long maxRevive = 0;
        DotnetWorkers.Queues.SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>("chaos", capacity: 256);
        using var reading = new CancellationTokenSource();
        long read = 0;
        Task reader = Task.Run(async () =>
        {
            await foreach (byte[] message in queue.Reader.ReadAllAsync(reading.Token).ConfigureAwait(false))
            {
                Check(message, "a queue message");
                Interlocked.Increment(ref read);
            }
        });
        WaitAllRunning(TimeSpan.FromSeconds(30));
        for (int k = 0; k < kills; k++)
        {
            Thread.Sleep(random.Next(0, 40));
            WorkerInfo victim = Cluster.Workers.Where(w => w.Id > 0).ElementAt(random.Next(3));
            var revive = Stopwatch.StartNew();
            System.Diagnostics.Process.GetProcessById(victim.ProcessId).Kill();
            while (Cluster.Workers.Single(w => w.Id == victim.Id) is var now && (now.ProcessId == victim.ProcessId || now.Status != WorkerStatus.Running))
            {
                if (revive.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Violation($"worker {victim.Id} did not come back within 30 s of kill {k}");
                    return Report(k, clock, maxRevive, read);
                }

                Thread.Sleep(1);
            }

            maxRevive = Math.Max(maxRevive, revive.ElapsedMilliseconds);
            CheckValues();
            CheckPairFreesUp(k);
        }

        Cluster.Store.Set("chaos-stop", true);
        Program.AwaitAll("chaos-done", 3);  // every worker's current process finished its last loop
        reading.Cancel();
        try
        {
            reader.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
        }

        while (queue.Reader.TryRead(out byte[]? rest))
        {
            Check(rest, "a queue message");
            read++;
        }

        // Each message is read once: no more than were written (a kill between a write and
        // its count allows one more than counted per kill), none lost.
        long queued = Cluster.Store.TryGet("queued", out long q) ? q : 0;
        if (read < queued || read > queued + kills)
        {
            Violation($"{read} queue messages read, {queued} counted as written");
        }

        long counter = Cluster.Store.TryGet("counter", out long c) ? c : 0;
        long acks = Enumerable.Range(1, 3).Sum(id => Cluster.Store.TryGet($"acks/{id}", out long a) ? a : 0);
        if (counter < acks)
        {
            Violation($"lost acknowledged increments: counter={counter} acks={acks}");
        }

        if (counter - acks > kills)
        {
            Violation($"more unacknowledged increments ({counter - acks}) than kills ({kills})");
        }

        // Every worker closed its buffers; a killed one's references were given back.
        int leaked = Cluster.Memory.Buffers - buffersBaseline;
        if (leaked != 0)
        {
            Violation($"buffers left behind: {Cluster.Memory.Buffers}, baseline {buffersBaseline}");
        }

        Program.Say($"chaos-counter counter={counter} acks={acks} buffers_leaked={leaked}");
        return Report(kills, clock, maxRevive, read);
    }

    private static int Report(int kills, Stopwatch clock, long maxRevive, long read)
    {
        long ops = Cluster.Store.TryGet("ops", out long o) ? o : 0;
        Program.Say($"chaos kills={kills} seconds={clock.Elapsed.TotalSeconds:F1} ops={ops} queue_read={read} max_revive_ms={maxRevive} violations={Interlocked.Read(ref s_violations)}");
        return 0;
    }

    /// <summary>A worker's loop: one of each operation per round, every outcome checked.</summary>
    private static void Work(WaitHandle shutdown)
    {
        var random = new Random(Environment.ProcessId);
        int id = Cluster.WorkerId;
        SharedLock pair = Cluster.Locks.Mutex("pair");
        DotnetWorkers.Queues.SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>("chaos", capacity: 256);
        IChaosProbe anyone = Cluster.Proxy<IChaosProbe>(timeout: TimeSpan.FromSeconds(10));
        long round = 0;
        while (!Cluster.Store.TryGet("chaos-stop", out bool _) && !shutdown.WaitOne(0))
        {
            round++;

            // Checksummed values: a reader must never see a torn one.
            Cluster.Store.Set($"v/{id}/{round % 8}", Checksummed(random));
            if (Cluster.Store.TryGet($"v/{random.Next(1, 4)}/{random.Next(8)}", out byte[]? other))
            {
                Check(other, "a store value");
            }

            // Acknowledged increments: counter >= acks whatever dies when.
            Cluster.Store.Increment("counter");
            Cluster.Store.Increment($"acks/{id}");

            // A two-key update under the mutex: equal whenever a live holder let go.
            try
            {
                using SharedLockLease lease = pair.Acquire(TimeSpan.FromSeconds(10));
                UpdatePair(repair: false);
            }
            catch (SharedLockAbandonedException e)
            {
                using SharedLockLease lease = e.Lease;
                UpdatePair(repair: true);  // its holder died, maybe between the two writes
            }
            catch (TimeoutException)
            {
                Violation($"worker {id} waited 10 s for the pair mutex");
            }

            // A buffer opened and closed: the references of a killed holder must go.
            using (DotnetWorkers.Buffers.SharedBuffer buffer = Cluster.Buffers.Open($"buf/{id}", 4096))
            {
                buffer.Span[0] = (byte)round;
            }

            // RPC to any worker: a dead server is a RemoteProcessDiedException, nothing else.
            try
            {
                int echoed = anyone.EchoAsync((int)round).WaitAsync(TimeSpan.FromSeconds(15)).GetAwaiter().GetResult();
                if (echoed != (int)round)
                {
                    Violation($"an RPC answered {echoed} to {round}");
                }
            }
            catch (Exception e) when (e is RemoteProcessDiedException or ServiceNotFoundException)
            {
            }
            catch (Exception e)
            {
                Violation($"an RPC failed with {e.GetType().Name}: {e.Message}");
            }

            // A queue message with its checksum, read by the primary; counted once written.
            if (queue.Writer.TryWrite(Checksummed(random)))
            {
                Cluster.Store.Increment("queued");
            }

            Cluster.Store.Increment("ops");
        }

        Program.Arrive("chaos-done");
        shutdown.WaitOne(TimeSpan.FromSeconds(60));
    }

    private static void UpdatePair(bool repair)
    {
        long a = Cluster.Store.TryGet("pair/a", out long x) ? x : 0;
        long b = Cluster.Store.TryGet("pair/b", out long y) ? y : 0;
        if (a != b && !repair)
        {
            Violation($"the pair was {a}/{b} under a mutex its last holder released");
        }

        Cluster.Store.Set("pair/a", a + 1);
        Cluster.Store.Set("pair/b", a + 1);
    }

    private static void WaitAllRunning(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (Cluster.Workers.Count(w => w.Status == WorkerStatus.Running) < 4 || !Cluster.Store.TryGet("ops", out long _))
        {
            if (clock.Elapsed > bound)
            {
                Violation("the workers did not start working");
                return;
            }

            Thread.Sleep(5);
        }
    }

    private static void CheckValues()
    {
        foreach (string key in Cluster.Store.Keys("v/"))
        {
            if (Cluster.Store.TryGet(key, out byte[]? value))
            {
                Check(value, $"store value {key}");
            }
        }
    }

    /// <summary>After a kill the mutex must come free within a bound, whoever held it.</summary>
    private static void CheckPairFreesUp(int kill)
    {
        try
        {
            Cluster.Locks.Mutex("pair").Acquire(TimeSpan.FromSeconds(10)).Dispose();
        }
        catch (SharedLockAbandonedException e)
        {
            using SharedLockLease lease = e.Lease;
            UpdatePair(repair: true);
        }
        catch (TimeoutException)
        {
            Violation($"the pair mutex stayed held 10 s after kill {kill}");
        }
    }

    private static byte[] Checksummed(Random random)
    {
        byte[] value = new byte[ValueBytes];
        random.NextBytes(value.AsSpan(0, ValueBytes - 8));
        BitConverter.TryWriteBytes(value.AsSpan(ValueBytes - 8), Sum(value.AsSpan(0, ValueBytes - 8)));
        return value;
    }

    private static void Check(byte[]? value, string what)
    {
        if (value is null || value.Length != ValueBytes || BitConverter.ToUInt64(value, ValueBytes - 8) != Sum(value.AsSpan(0, ValueBytes - 8)))
        {
            Violation($"{what} is torn ({value?.Length} bytes)");
        }
    }

    private static ulong Sum(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash;
    }

    private static void Violation(string what)
    {
        Interlocked.Increment(ref s_violations);
        Program.Say($"violation {what}");
    }
}

/// <summary>What every chaos worker serves.</summary>
public interface IChaosProbe
{
    Task<int> EchoAsync(int value);
}

internal sealed class ChaosProbe : IChaosProbe
{
    public Task<int> EchoAsync(int value) => Task.FromResult(value);
}
