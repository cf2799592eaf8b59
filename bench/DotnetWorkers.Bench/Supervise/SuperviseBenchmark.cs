using System.Diagnostics;
using System.Globalization;

namespace DotnetWorkers.Bench.Supervise;

/// <summary>
/// How long a revive takes: from the SIGKILL of a serving worker to its replacement
/// answering RPC again (--on-worker-exit=revive with --restart-delay=0, so the figure is the
/// mechanism, not the backoff: reap, give back its holdings, one fork from the launcher's
/// resolved state, boot, bind, serve), next to a fresh `dotnet app.dll` start of the same app
/// (start to exit, touching nothing): what a supervisor that starts a new process pays at least.
/// </summary>
internal static class SuperviseBenchmark
{
    private const int Kills = 20;

    internal static void Run(string outDirectory)
    {
        var report = new BenchReport("supervise",
            $"{Kills} SIGKILLs of worker 1 in one cluster (--workers=1 --on-worker-exit=revive --restart-delay=0 --max-restarts=100): " +
            $"median and p99 from the kill to the first call answered by the new process; a fresh start: median of {Kills} runs of `dotnet SuperviseProbe.dll plain`");
        string probe = Path.Combine(Paths.Artifacts, "bench", "apps", "SuperviseProbe", "SuperviseProbe.dll");
        double[] revives = Revives(probe);

        var fresh = new List<double>();
        for (int i = 0; i < Kills; i++)
        {
            var clock = Stopwatch.StartNew();
            RunToEnd("dotnet", [probe, "plain"]);
            fresh.Add(clock.Elapsed.TotalMilliseconds);
        }

        double freshMedian = fresh.Order().ElementAt(Kills / 2);
        report.Add("supervise.fresh-dotnet-start-ms", freshMedian, "ms");
        report.Add("supervise.kill-to-serving-median-ms", revives[Kills / 2], "ms", "of a fresh dotnet start", freshMedian);
        report.Add("supervise.kill-to-serving-p99-ms", revives[^1], "ms", "of a fresh dotnet start", freshMedian);

        // The same app published with NativeAOT (./build.sh bench supervise publishes it): no runtime to boot.
        string aot = Path.Combine(Paths.Artifacts, "aot", "SuperviseProbe", "SuperviseProbe");
        if (File.Exists(aot))
        {
            double[] aotRevives = Revives(aot);
            report.Add("supervise.kill-to-serving-median-ms.nativeaot", aotRevives[Kills / 2], "ms", "of a fresh dotnet start", freshMedian);
            report.Add("supervise.kill-to-serving-p99-ms.nativeaot", aotRevives[^1], "ms", "of a fresh dotnet start", freshMedian);
        }

        report.Write(outDirectory);
    }

    /// <summary>The kill-to-serving times of one cluster of <paramref name="app"/>, ascending.</summary>
    private static double[] Revives(string app)
    {
        string launcher = Path.Combine(Paths.Artifacts, "bin", "dotnet-workers");
        string output = RunToEnd(launcher, ["--workers=1", "--on-worker-exit=revive", "--restart-delay=0", "--max-restarts=100", app, Kills.ToString(CultureInfo.InvariantCulture)]);
        double[] revives = [.. output.Split('\n')
            .Where(l => l.StartsWith("figure kill-to-serving-ms ", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture))
            .Order()];
        if (revives.Length != Kills)
        {
            throw new InvalidOperationException($"expected {Kills} revives of {app}, got {revives.Length}: {output}");
        }

        return revives;
    }

    private static string RunToEnd(string program, string[] args)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish in 5 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {output.Result}");
        }

        return output.Result;
    }
}
