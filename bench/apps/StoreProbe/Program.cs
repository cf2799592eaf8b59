// The store benchmark's cross-process half, started by the launcher with --workers=1:
//   StoreProbe <get|set|inc> <active processes: 1|2> <milliseconds>
// The first <active> processes run the operation on their own 1000 keys for the given time,
// starting together; each prints "ops id=N count=C ms=T". The others only wait.
using System.Diagnostics;
using DotnetWorkers;

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
