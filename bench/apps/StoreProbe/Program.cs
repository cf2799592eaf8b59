// The store benchmark's cross-process half, started by the launcher with --workers=1:
//   StoreProbe <get|set|inc> <active processes: 1|2> <milliseconds>
// The first <active> processes run the operation on their own 1000 keys for the given time,
// starting together; each prints "ops id=N count=C ms=T". The others only wait. Joined
// across machines (--join, bench multihost), each also runs the same work straight through
// StackExchange.Redis, in turns with the store's, and prints "direct id=N count=C ms=T".
//   StoreProbe handoff <rounds> <async|sync>
// Lock hand-off: worker 1 holds a mutex, the primary waits for it (AcquireAsync or Acquire),
// worker 1 notes the time and releases; the primary notes when it has the lock. It prints
// "handoff ns=N,N,..." (one sample a round; CLOCK_MONOTONIC is one clock for both).
using System.Diagnostics;
using DotnetWorkers;
using DotnetWorkers.Buffers;
using DotnetWorkers.Locks;

if (args[0] == "handoff")
{
    await HandoffAsync(int.Parse(args[1]), args[2] == "async");
    return;
}

string op = args[0];
int active = int.Parse(args[1]);
int milliseconds = int.Parse(args[2]);
// Its id within its host: joined across machines (--join), Cluster.WorkerId counts from the host's first id.
bool runs = int.Parse(Environment.GetEnvironmentVariable("DOTNET_WORKERS_ID") ?? "0") < active;
string[] keys = [.. Enumerable.Range(0, 1000).Select(i => $"p{Cluster.WorkerId}:key:{i}")];
foreach (string key in keys)
{
    Cluster.Store.Set(key, "a small value!!!");
}

Cluster.Store.Increment("ready");
while (Cluster.Store.Get<long>("ready") < Cluster.WorkerCount + 1)
{
    Thread.Sleep(1);
}

string? join = Environment.GetEnvironmentVariable("DOTNET_WORKERS_JOIN");
if (runs && join is not null)
{
    // Joined (bench multihost): the same work straight through StackExchange.Redis, in this
    // process, in turns with the store's, so that both see the same machine at the same time.
    Uri server = new(join);
    using var direct = new DirectClient($"{server.Host}:{server.Port}", [.. keys.Select(k => "direct:" + k)]);
    double ours = 0, theirs = 0, oursMs = 0, theirsMs = 0;
    RunJoined(op, keys, 300);
    direct.Run(op, 300);
    for (int slice = 0; slice < 4; slice++)
    {
        // Who goes first alternates: neither gets the warmer moment every time.
        for (int turn = 0; turn < 2; turn++)
        {
            var clock = Stopwatch.StartNew();
            if ((slice + turn) % 2 == 0)
            {
                ours += RunJoined(op, keys, milliseconds / 4);
                oursMs += clock.Elapsed.TotalMilliseconds;
            }
            else
            {
                theirs += direct.Run(op, milliseconds / 4);
                theirsMs += clock.Elapsed.TotalMilliseconds;
            }
        }
    }

    Console.WriteLine($"ops id={Cluster.WorkerId} count={ours} ms={oursMs:F1}");
    Console.WriteLine($"direct id={Cluster.WorkerId} count={theirs} ms={theirsMs:F1}");
}
else if (runs)
{
    Run(op, keys, 300); // warm up: JIT to the last tier, caches
    Thread.Sleep(300);
    Run(op, keys, 100);
    var clock = Stopwatch.StartNew();
    long count = Run(op, keys, milliseconds);
    Console.WriteLine($"ops id={Cluster.WorkerId} count={count} ms={clock.Elapsed.TotalMilliseconds:F1}");
}

Cluster.Store.Increment("finished");
while (Cluster.Store.Get<long>("finished") < Cluster.WorkerCount + 1)
{
    // A process that does not run looks seldom: its looks would take CPU (and, joined, the server) from the ones measured.
    Thread.Sleep(runs ? 1 : 50);
}

static long Run(string op, string[] keys, int milliseconds)
{
    long count = 0;
    long end = Environment.TickCount64 + milliseconds;
    while (Environment.TickCount64 < end)
    {
        for (int i = 0; i < 1000; i++)
        {
            count += Once(op, keys[i]);
        }
    }

    return count;
}

// Joined, 1000 operations take ~100 ms: the clock is read every 10.
static long RunJoined(string op, string[] keys, int milliseconds)
{
    long count = 0;
    long end = Environment.TickCount64 + milliseconds;
    while (Environment.TickCount64 < end)
    {
        for (int i = 0; i < 10; i++)
        {
            count += Once(op, keys[(int)(count % 1000)]);
        }
    }

    return count;
}

// The operations it counts: a queue's are a write and a read of one message (or of a batch of them).
static int Once(string op, string key)
{
    switch (op)
    {
        case "get": Cluster.Store.TryGet(key, out string? _); return 1;
        case "set": Cluster.Store.Set(key, "a small value!!!"); return 1;
        case "queue":
            BenchQueue.Mine.TryWrite(1);
            BenchQueue.Mine.TryRead(out _);
            return 1;
        case "queue-batch":
            BenchQueue.Mine.TryWriteMany(BenchQueue.Batch);
            return BenchQueue.Mine.TryReadMany(BenchQueue.Read);
        default: Cluster.Store.Increment(key + ":n"); return 1;
    }
}

// Async all the way for AcquireAsync, as an app would be: the continuation after the await
// runs where the lock's waiter completes, with no thread blocked on the result.
static async Task HandoffAsync(int rounds, bool async)
{
    SharedMutex mutex = Cluster.Locks.Mutex("handoff");
    using SharedBuffer released = Cluster.Buffers.Open("handoff-released", 8);  // worker 1's release time, per round
    var samples = new List<long>(rounds);
    for (int round = 1; round <= rounds + 100; round++)  // the first 100 warm up
    {
        if (Cluster.WorkerId == 1)
        {
            SharedLockLease lease = mutex.Acquire(TimeSpan.FromSeconds(30));
            Cluster.Store.Set("held", (long)round);
            Until(() => Cluster.Store.TryGet("waiting", out long waiting) && waiting == round);
            Thread.Sleep(1);  // the waiter is parked by now: asleep on its doorbell (async) or the futex (sync)
            Volatile.Write(ref TimeIn(released), Stopwatch.GetTimestamp());
            lease.Dispose();
            Until(() => Cluster.Store.TryGet("acquired", out long acquired) && acquired == round);
        }
        else if (Cluster.WorkerId == 0)
        {
            Until(() => Cluster.Store.TryGet("held", out long held) && held == round);
            SharedLockLease lease;
            if (async)
            {
                ValueTask<SharedLockLease> waiting = mutex.AcquireAsync(TimeSpan.FromSeconds(30));
                Cluster.Store.Set("waiting", (long)round);
                lease = await waiting.ConfigureAwait(false);
            }
            else
            {
                Cluster.Store.Set("waiting", (long)round);
                lease = mutex.Acquire(TimeSpan.FromSeconds(30));
            }

            long acquiredAt = Stopwatch.GetTimestamp();
            lease.Dispose();
            if (round > 100)
            {
                samples.Add((long)((acquiredAt - Volatile.Read(ref TimeIn(released))) * (1e9 / Stopwatch.Frequency)));
            }

            Cluster.Store.Set("acquired", (long)round);
        }
    }

    if (Cluster.IsPrimary)
    {
        Console.WriteLine($"handoff ns={string.Join(',', samples)}");
    }
}

static ref long TimeIn(SharedBuffer buffer) => ref System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(buffer.Span)[0];

static void Until(Func<bool> condition)
{
    var clock = Stopwatch.StartNew();
    while (!condition())
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException("the other process of the hand-off benchmark did not keep up");
        }

        Thread.SpinWait(20);
    }
}

/// <summary>What a user would write instead of a joined cluster's store: StackExchange.Redis, one connection, MemoryPack values.</summary>
sealed class DirectClient : IDisposable
{
    private readonly StackExchange.Redis.ConnectionMultiplexer _connection;
    private readonly StackExchange.Redis.IDatabase _db;
    private readonly string[] _keys;
    private readonly string _queue;

    internal DirectClient(string server, string[] keys)
    {
        _connection = StackExchange.Redis.ConnectionMultiplexer.Connect(server);
        _db = _connection.GetDatabase();
        _keys = keys;
        _queue = keys[0] + ":queue";
        foreach (string key in keys)
        {
            _db.StringSet(key, MemoryPack.MemoryPackSerializer.Serialize("a small value!!!"));
        }
    }

    internal long Run(string op, int milliseconds)
    {
        long count = 0;
        long end = Environment.TickCount64 + milliseconds;
        while (Environment.TickCount64 < end)
        {
            for (int i = 0; i < 10; i++)
            {
                string key = _keys[(int)(count % 1000)];
                switch (op)
                {
                    case "get":
                        StackExchange.Redis.RedisValue stored = _db.StringGet(key);
                        _ = stored.IsNull ? null : MemoryPack.MemoryPackSerializer.Deserialize<string>((byte[])stored!);
                        break;
                    case "set": _db.StringSet(key, MemoryPack.MemoryPackSerializer.Serialize("a small value!!!")); break;
                    case "queue":
                        // A list as a queue, as a user would: RPUSH and LPOP, no acknowledgment, no bound.
                        _db.ListRightPush(_queue, MemoryPack.MemoryPackSerializer.Serialize(1));
                        StackExchange.Redis.RedisValue popped = _db.ListLeftPop(_queue);
                        _ = popped.IsNull ? 0 : MemoryPack.MemoryPackSerializer.Deserialize<int>((byte[])popped!);
                        break;
                    case "queue-batch":
                        _db.ListRightPush(_queue, [.. BenchQueue.Batch.Select(v => (StackExchange.Redis.RedisValue)MemoryPack.MemoryPackSerializer.Serialize(v))]);
                        foreach (StackExchange.Redis.RedisValue value in _db.ListLeftPop(_queue, BenchQueue.Batch.Length))
                        {
                            _ = MemoryPack.MemoryPackSerializer.Deserialize<int>((byte[])value!);
                        }

                        count += BenchQueue.Batch.Length - 1;
                        break;
                    default: _db.StringIncrement(key + ":n"); break;
                }

                count++;
            }
        }

        return count;
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>This process's queue for the queue operations, and the batch they move.</summary>
static class BenchQueue
{
    internal static readonly int[] Batch = [.. Enumerable.Range(0, 64)];
    internal static readonly int[] Read = new int[64];
    internal static readonly DotnetWorkers.Queues.SharedQueue<int> Mine = Cluster.Queues.Open<int>($"bench-queue:{Cluster.WorkerId}", capacity: 1024);
}
