using System.Diagnostics;

namespace DotnetWorkers.Bench.Boot;

/// <summary>
/// Time from "start" until every process of an N-worker cluster has entered Main and said
/// so (N workers + the primary = N+1 processes), against starting the same N+1 processes
/// of the same app with Process.Start("dotnet", "app.dll") from C#, and with a shell loop.
/// The methods take turns within each repetition, so a slow moment of the machine hits
/// them alike. For scale it also reports the CPU time one `dotnet app.dll` started alone
/// burns until its Main runs. The same probe published with NativeAOT, bound to the
/// cluster, shows what a cluster costs when no process boots a runtime of its own.
/// </summary>
internal static class BootBenchmark
{
    private static readonly int[] WorkerCounts = [1, 4, 8];

    internal static void Run(string outDirectory, int repeat)
    {
        string launcher = Path.Combine(Paths.Artifacts, "bin", "dotnet-workers");
        string probe = Path.Combine(Paths.Artifacts, "bench", "apps", "BootProbe", "BootProbe.dll");
        string aotProbe = Path.Combine(Paths.Artifacts, "aot", "BootProbe", "BootProbe");
        if (!File.Exists(aotProbe))
        {
            throw new FileNotFoundException($"{aotProbe} is missing: ./build.sh bench boot publishes it with PublishAot first.", aotProbe);
        }

        // The probe again with the library as the package ships it, ReadyToRun (./build.sh
        // bench boot compiles it first, as ./build.sh pack does).
        string readyToRunLibrary = Path.Combine(Paths.Artifacts, "obj", "readytorun", "DotnetWorkers.dll");
        if (!File.Exists(readyToRunLibrary))
        {
            throw new FileNotFoundException($"{readyToRunLibrary} is missing: ./build.sh bench boot compiles it first.", readyToRunLibrary);
        }

        string readyToRunProbe = WithLibrary(probe, readyToRunLibrary);

        var report = new BenchReport("boot",
            $"median of {repeat} runs after one warm-up; milliseconds from start until all N+1 processes are in Main" +
            "; -bound: every process has also bound to the cluster (Cluster.WorkerId)");
        using var pipes = new ProbePipes();

        var single = new List<double>();
        for (int i = 0; i <= repeat; i++)
        {
            double cpu = OneStartCpu(probe, pipes);
            if (i > 0)
            {
                single.Add(cpu);
            }
        }

        double oneStart = Median(single);
        report.Add("boot.one-runtime-start-cpu", oneStart, "ms");

        foreach (int n in WorkerCounts)
        {
            int processes = n + 1;
            var methods = new (string Name, Func<double> Run)[]
            {
                ("dotnet-workers", () => ViaLauncher(launcher, probe, n, pipes, bind: false)),
                ("dotnet-workers-bound", () => ViaLauncher(launcher, probe, n, pipes, bind: true)),
                ("dotnet-workers-bound-readytorun", () => ViaLauncher(launcher, readyToRunProbe, n, pipes, bind: true)),
                ("dotnet-workers-aot-bound", () => ViaLauncher(launcher, aotProbe, n, pipes, bind: true)),
                ("process-start", () => ViaProcessStart(probe, processes, pipes)),
                ("shell-loop", () => ViaShellLoop(probe, processes, pipes)),
            };
            var samples = methods.ToDictionary(m => m.Name, _ => new List<double>());
            for (int i = 0; i <= repeat; i++)
            {
                foreach (var (name, run) in methods)
                {
                    double ms = run();
                    if (i > 0)
                    {
                        samples[name].Add(ms); // run 0 warms the page cache and this runner's JIT
                    }
                }
            }

            double launched = Median(samples["dotnet-workers"]);
            double bound = Median(samples["dotnet-workers-bound"]);
            double started = Median(samples["process-start"]);
            double shell = Median(samples["shell-loop"]);
            report.Add($"boot.n{n}.process-start", started, "ms");
            report.Add($"boot.n{n}.shell-loop", shell, "ms");
            report.Add($"boot.n{n}.dotnet-workers", launched, "ms", "of Process.Start", started);
            report.Add($"boot.n{n}.dotnet-workers.vs-shell-loop", launched, "ms", "of shell loop", shell);
            report.Add($"boot.n{n}.dotnet-workers-bound", bound, "ms", "of unbound", launched);
            report.Add($"boot.n{n}.dotnet-workers-bound-readytorun", Median(samples["dotnet-workers-bound-readytorun"]), "ms", "of unbound", launched);
            report.Add($"boot.n{n}.dotnet-workers-aot-bound", Median(samples["dotnet-workers-aot-bound"]), "ms", "of shell loop", shell);
        }

        report.Write(outDirectory);
    }

    /// <summary>A copy of the probe's folder with <paramref name="library"/> in place of its DotnetWorkers.dll; the copy's dll.</summary>
    private static string WithLibrary(string probe, string library)
    {
        string from = Path.GetDirectoryName(probe)!;
        string to = from + "-readytorun";
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }

        File.Copy(library, Path.Combine(to, "DotnetWorkers.dll"), overwrite: true);
        return Path.Combine(to, Path.GetFileName(probe));
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static ProcessStartInfo Info(string file, IEnumerable<string> args, ProbePipes pipes)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        pipes.Configure(info.Environment);
        return info;
    }

    private static double ViaLauncher(string launcher, string probe, int workers, ProbePipes pipes, bool bind)
    {
        string[] args = bind ? [$"--workers={workers}", probe, "--bind"] : [$"--workers={workers}", probe];
        ProcessStartInfo info = Info(launcher, args, pipes);
        long start = Stopwatch.GetTimestamp();
        using Process cluster = Process.Start(info)!;
        long ready = pipes.WaitForReady(workers + 1);
        pipes.StopAll();
        WaitForExit(cluster);
        return Stopwatch.GetElapsedTime(start, ready).TotalMilliseconds;
    }

    private static double ViaProcessStart(string probe, int processes, ProbePipes pipes)
    {
        ProcessStartInfo info = Info("dotnet", [probe], pipes);
        long start = Stopwatch.GetTimestamp();
        Process[] started = [.. Enumerable.Range(0, processes).Select(_ => Process.Start(info)!)];
        long ready = pipes.WaitForReady(processes);
        pipes.StopAll();
        foreach (Process p in started)
        {
            WaitForExit(p);
            p.Dispose();
        }

        return Stopwatch.GetElapsedTime(start, ready).TotalMilliseconds;
    }

    /// <summary>CPU time (all threads) one `dotnet app.dll` used until its Main said it was ready.</summary>
    private static double OneStartCpu(string probe, ProbePipes pipes)
    {
        using Process process = Process.Start(Info("dotnet", [probe], pipes))!;
        pipes.WaitForReady(1);
        double cpu = Directory.GetDirectories($"/proc/{process.Id}/task")
            .Sum(task => double.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0]) / 1e6);
        pipes.StopAll();
        WaitForExit(process);
        return cpu;
    }

    private static double ViaShellLoop(string probe, int processes, ProbePipes pipes)
    {
        string script = $"for i in $(seq {processes}); do dotnet '{probe}' & done; wait";
        ProcessStartInfo info = Info("/bin/sh", ["-c", script], pipes);
        long start = Stopwatch.GetTimestamp();
        using Process shell = Process.Start(info)!;
        long ready = pipes.WaitForReady(processes);
        pipes.StopAll();
        WaitForExit(shell);
        return Stopwatch.GetElapsedTime(start, ready).TotalMilliseconds;
    }

    /// <summary>Runs never overlap: each ends before the next starts (bounded).</summary>
    private static void WaitForExit(Process process)
    {
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"process {process.Id} did not exit");
        }
    }
}
