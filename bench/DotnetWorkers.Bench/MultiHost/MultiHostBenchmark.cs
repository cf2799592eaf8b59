using System.Diagnostics;
using DotnetWorkers.Bench.Store;

namespace DotnetWorkers.Bench.MultiHost;

/// <summary>
/// The store of a cluster joined across machines (--join) against what a user would write
/// instead: the same Get, Set and Increment straight through StackExchange.Redis, one
/// connection, a MemoryPack value, sequential, on the same Redis on loopback. Both run in
/// the same launched process (the StoreProbe app with --join), in turns, so they see the
/// same machine at the same moment: one launcher, then two at once (two "hosts" on one
/// server, each process measuring both ways). Each figure is the median of 3 runs.
/// </summary>
internal static class MultiHostBenchmark
{
    internal static void Run(string outDirectory, int milliseconds)
    {
        var report = new BenchReport("multihost",
            $"one process per host, one thread, sequential, uncached, in turns with the direct client (4 slices each of {milliseconds / 4} ms, who goes first alternating): " +
            "median of 3 runs; Redis 7 on loopback; 2 hosts: ops/s of both together");
        using RedisServer? redis = RedisServer.TryStart(out string? whyNot);
        if (redis is null)
        {
            Console.WriteLine($"multihost: skipped: {whyNot}");
            return;
        }

        int run = 0;
        foreach (string op in new[] { "get", "set", "inc", "queue", "queue-batch" })
        {
            var one = new List<(double Ours, double Direct)>();
            var two = new List<(double Ours, double Direct)>();
            for (int round = 0; round < 3; round++)
            {
                one.Add(Joined(redis.Port, $"bench{run++}", op, 1, milliseconds));
                two.Add(Joined(redis.Port, $"bench{run++}", op, 2, milliseconds));
            }

            double oursNs = 1e9 / Median(one.Select(r => r.Ours)), directNs = 1e9 / Median(one.Select(r => r.Direct));
            report.Add($"multihost.{op}.stackexchange-redis", directNs, "ns");
            report.Add($"multihost.{op}.dotnet-workers", oursNs, "ns", "of StackExchange.Redis", directNs);
            double oursTwo = Median(two.Select(r => r.Ours)), directTwo = Median(two.Select(r => r.Direct));
            report.Add($"multihost.{op}.2-hosts.stackexchange-redis", directTwo, "ops/s");
            report.Add($"multihost.{op}.2-hosts.dotnet-workers", oursTwo, "ops/s", "of StackExchange.Redis", directTwo);
        }

        report.Write(outDirectory);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    /// <summary>Operations per second of the store and of the direct client, summed over process 0 of <paramref name="hosts"/> launchers joined to cluster <paramref name="name"/>.</summary>
    private static (double Ours, double Direct) Joined(int port, string name, string op, int hosts, int milliseconds)
    {
        var launchers = new List<Process>();
        for (int h = 0; h < hosts; h++)
        {
            var info = new ProcessStartInfo(Path.Combine(Paths.Artifacts, "bin", "dotnet-workers")) { UseShellExecute = false, RedirectStandardOutput = true };
            foreach (string a in (string[])["--workers=1", "--memory=1g", "--join", $"redis://127.0.0.1:{port}/{name}",
                         Path.Combine(Paths.Artifacts, "bench", "apps", "StoreProbe", "StoreProbe.dll"), op, "1", milliseconds.ToString()])
            {
                info.ArgumentList.Add(a);
            }

            launchers.Add(Process.Start(info)!);
        }

        double ours = 0, direct = 0;
        foreach (Process launcher in launchers)
        {
            using (launcher)
            {
                string output = launcher.StandardOutput.ReadToEnd();
                if (!launcher.WaitForExit(TimeSpan.FromSeconds(120)) || launcher.ExitCode != 0)
                {
                    throw new InvalidOperationException($"the joined StoreProbe cluster failed ({launcher.ExitCode}): {output}");
                }

                ours += Rate(output, "ops ");
                direct += Rate(output, "direct ");
            }
        }

        return (ours, direct);
    }

    private static double Rate(string output, string prefix) =>
        output.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)))
            .Sum(f => f["count"] / (f["ms"] / 1000));
}
