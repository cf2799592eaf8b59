// Hello: the smallest cluster. Run it with
//   artifacts/bin/dotnet-workers --workers=4 artifacts/samples/Hello/Hello.dll
// Every process runs this Main. Workers say hello, count themselves in the shared store and
// stay alive (the library keeps them until the cluster shuts down); the primary waits for
// all of them, prints the process table, and returns, which shuts the cluster down.
using DotnetWorkers;

Console.WriteLine($"Hello from {Cluster.Role} {Cluster.WorkerId} (pid {Cluster.ProcessId})");

if (!Cluster.IsPrimary)
{
    Cluster.Store.Increment("hellos"); // after the line above: the primary waits for this
    Cluster.ShutdownToken.Register(() => Console.WriteLine($"Worker {Cluster.WorkerId} stopping"));
    return;
}

// Wait (at most 10 s) until every worker has said hello.
var deadline = DateTime.UtcNow.AddSeconds(10);
while ((Cluster.Store.TryGet("hellos", out long hellos) ? hellos : 0) < Cluster.WorkerCount && DateTime.UtcNow < deadline)
{
    await Task.Delay(10);
}

Console.WriteLine($"{"id",3} {"pid",8} {"role",-10} status");
foreach (WorkerInfo w in Cluster.Workers)
{
    Console.WriteLine($"{w.Id,3} {w.ProcessId,8} {w.Role,-10} {w.Status}");
}

MemoryStatistics memory = Cluster.Memory;
Console.WriteLine($"{Cluster.WorkerCount} workers, {memory.ReservedBytes >> 20} MiB of shared memory reserved, {memory.UsedBytes} bytes used. Bye.");
