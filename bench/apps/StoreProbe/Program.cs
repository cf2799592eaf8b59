// The store benchmark's cross-process half, started by the launcher with --workers=1:
//   StoreProbe <get|set|inc> <active processes: 1|2> <milliseconds>
// The first <active> processes run the operation on their own 1000 keys for the given time,
// starting together; each prints "ops id=N count=C ms=T". The others only wait.
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
bool runs = Cluster.WorkerId < active;
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

if (runs)
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
    Thread.Sleep(1);
}

static long Run(string op, string[] keys, int milliseconds)
{
    long count = 0;
    long end = Environment.TickCount64 + milliseconds;
    while (Environment.TickCount64 < end)
    {
        for (int i = 0; i < 1000; i++)
        {
            string key = keys[i];
            switch (op)
            {
                case "get": Cluster.Store.TryGet(key, out string? _); break;
                case "set": Cluster.Store.Set(key, "a small value!!!"); break;
                default: Cluster.Store.Increment(key + ":n"); break;
            }
        }

        count += 1000;
    }

    return count;
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
