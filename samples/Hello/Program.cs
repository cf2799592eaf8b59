// Hello: the smallest cluster. Run it with
//   artifacts/bin/dotnet-workers --workers=4 artifacts/samples/Hello/Hello.dll
// Every process runs this Main. Workers say hello and stay alive (the library keeps them
// until the cluster shuts down); the primary waits for all of them, prints the process
// table, and returns, which shuts the cluster down.
using DotnetWorkers;

Console.WriteLine($"Hello from {Cluster.Role} {Cluster.WorkerId} (pid {Cluster.ProcessId})");

if (Cluster.IsPrimary)
{
    // Wait (at most 10 s) until every worker has booted and bound to the cluster.
    var deadline = DateTime.UtcNow.AddSeconds(10);
    while (Cluster.Workers.Count(w => w.Status == WorkerStatus.Running) < Cluster.WorkerCount + 1 && DateTime.UtcNow < deadline)
    {
        await Task.Delay(10);
    }

    Console.WriteLine($"{"id",3} {"pid",8} {"role",-10} status");
    foreach (WorkerInfo w in Cluster.Workers)
    {
        Console.WriteLine($"{w.Id,3} {w.ProcessId,8} {w.Role,-10} {w.Status}");
    }
    Console.WriteLine($"{Cluster.WorkerCount} workers, {Cluster.MemoryReserved >> 20} MiB of shared memory reserved. Bye.");
}
else
{
    Cluster.ShutdownToken.Register(() => Console.WriteLine($"Worker {Cluster.WorkerId} stopping"));
}
