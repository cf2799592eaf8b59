// The benchmark runner: ./build.sh bench [suite]. Each suite measures dotnet-workers next
// to what a user would otherwise use, in the same run, and prints ratios.
using System.CommandLine;
using DotnetWorkers.Bench.Boot;
using DotnetWorkers.Bench.Document;
using DotnetWorkers.Bench.Ipc;
using DotnetWorkers.Bench.MultiHost;
using DotnetWorkers.Bench.Store;
using DotnetWorkers.Bench.Supervise;
using DotnetWorkers.Bench.Web;

var suite = new Argument<string>("suite")
{
    Description = "Which benchmarks to run: all, boot, store, ipc, supervise, web, document, multihost.",
    DefaultValueFactory = _ => "all",
};
suite.AcceptOnlyFromAmong("all", "boot", "store", "ipc", "supervise", "web", "document", "multihost");

var output = new Option<DirectoryInfo>("--out")
{
    Description = "Where to write <suite>.json.",
    DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(DotnetWorkers.Bench.Paths.Artifacts, "bench")),
};

var repeat = new Option<int>("--repeat")
{
    Description = "Measured runs per figure (the median is reported; web: 3 unless given).",
    DefaultValueFactory = _ => 11,
};
repeat.Validators.Add(result =>
{
    if (result.GetValue(repeat) < 1)
    {
        result.AddError("--repeat must be at least 1");
    }
});

var milliseconds = new Option<int>("--milliseconds")
{
    Description = "How long each throughput figure runs.",
    DefaultValueFactory = _ => 1000,
};

var root = new RootCommand("dotnet-workers benchmarks") { suite, output, repeat, milliseconds };
root.SetAction(parse =>
{
    string which = parse.GetValue(suite)!;
    string directory = parse.GetValue(output)!.FullName;
    if (which is "all" or "boot")
    {
        BootBenchmark.Run(directory, parse.GetValue(repeat));
    }

    if (which is "all" or "store")
    {
        StoreBenchmark.Run(directory, parse.GetValue(milliseconds));
    }

    if (which is "all" or "ipc")
    {
        IpcBenchmark.Run(directory, parse.GetValue(milliseconds));
    }

    if (which is "all" or "supervise")
    {
        SuperviseBenchmark.Run(directory);
    }

    if (which is "all" or "web")
    {
        // A round takes ~50 s: three unless --repeat says otherwise.
        WebBenchmark.Run(directory, parse.GetResult(repeat) is { Implicit: false } ? parse.GetValue(repeat) : 3);
    }

    if (which is "all" or "document")
    {
        DocumentBenchmark.Run(directory, parse.GetValue(milliseconds));
    }

    if (which is "all" or "multihost")
    {
        MultiHostBenchmark.Run(directory, parse.GetValue(milliseconds));
    }

    return 0;
});

return root.Parse(args).Invoke();
