// FileCache: node-multiprocess's store.getOrSet example. Every process of the cluster reads
// the same files through the shared store; each file is read from disk once in the whole
// cluster, and every other process gets that copy.
//   artifacts/bin/dotnet-workers --workers=4 artifacts/samples/FileCache/FileCache.dll [files...]
// Without arguments it reads two files that sit next to it.
using DotnetWorkers;

string[] files = args.Length > 0
    ? args
    : [Path.Combine(AppContext.BaseDirectory, "FileCache.deps.json"), Path.Combine(AppContext.BaseDirectory, "FileCache.runtimeconfig.json")];

foreach (string file in files)
{
    string text = await ReadFile(file);
    Console.WriteLine($"Got {Path.GetFileName(file)}: {text.Length} chars, in process {Cluster.ProcessId}");
}

Cluster.Store.Increment("filecache:done");
if (Cluster.IsPrimary)
{
    // Wait (at most 10 s) for every process, then say how often each file was read.
    var deadline = DateTime.UtcNow.AddSeconds(10);
    while (Cluster.Store.Get<long>("filecache:done") < Cluster.WorkerCount + 1 && DateTime.UtcNow < deadline)
    {
        await Task.Delay(10);
    }

    foreach (string file in files)
    {
        long reads = Cluster.Store.TryGet($"filecache:reads:{file}", out long n) ? n : 0;
        Console.WriteLine($"{Path.GetFileName(file)} was read {reads} time(s) by {Cluster.WorkerCount + 1} processes");
    }
}

static async Task<string> ReadFile(string path)
{
    Console.WriteLine($"Fetching {Path.GetFileName(path)} in process {Cluster.ProcessId}");
    // Returns the value if some process already read it, or reads it here: once per cluster.
    return await Cluster.Store.GetOrSetAsync($"file:{path}", async () =>
    {
        Console.WriteLine($"Reading {Path.GetFileName(path)} on pid {Cluster.ProcessId}");
        Cluster.Store.Increment($"filecache:reads:{path}");
        return await File.ReadAllTextAsync(path);
    });
}
