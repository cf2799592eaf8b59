using System.Diagnostics;
using System.Globalization;

namespace DotnetWorkers.Bench.Ipc;

/// <summary>
/// RPC and one-way queue figures between two processes of a launched cluster, side by side
/// in each run with what a user would otherwise write: the same calls over a Unix domain
/// socket (System.Net.Sockets, length-prefixed MemoryPack frames, many calls in flight on
/// one connection), over a socket that also coalesces both ways (many frames per write:
/// the strongest thing a careful user writes), and over StreamJsonRpc on a named pipe. The two processes are the
/// IpcBenchProbe app (bench/apps): the worker serves, the primary measures.
/// </summary>
internal static class IpcBenchmark
{
    private const int Runs = 3;

    internal static void Run(string outDirectory, int milliseconds)
    {
        var report = new BenchReport("ipc",
            $"median of {Runs} launched clusters (--workers=1); per run: latency from single calls over {milliseconds} ms after " +
            "2000 warm-up calls, sequential and 64-in-flight throughput over the same time; queues: 2,000,000 messages of 16 bytes " +
            "and 200,000 of 4 KiB from the worker to the primary (sockets: the same bytes as length-prefixed frames through a BufferedStream)");
        var runs = new List<Dictionary<string, double>>();
        for (int i = 0; i < Runs; i++)
        {
            runs.Add(RunCluster(milliseconds));
        }

        double F(string name) => runs.Select(r => r[name]).Order().ElementAt(Runs / 2);

        foreach (string figure in new[] { "latency-median-us", "latency-p99-us" })
        {
            double ours = F($"rpc.dotnet-workers.{figure}");
            report.Add($"rpc.{figure}.unix-socket", F($"rpc.unix-socket.{figure}"), "us");
            report.Add($"rpc.{figure}.streamjsonrpc", F($"rpc.streamjsonrpc.{figure}"), "us");
            report.Add($"rpc.{figure}.dotnet-workers", ours, "us", "of Unix socket", F($"rpc.unix-socket.{figure}"));
        }

        foreach (string figure in new[] { "sequential-calls-per-s", "64-in-flight-calls-per-s" })
        {
            double ours = F($"rpc.dotnet-workers.{figure}");
            report.Add($"rpc.{figure}.unix-socket", F($"rpc.unix-socket.{figure}"), "calls/s");
            report.Add($"rpc.{figure}.streamjsonrpc", F($"rpc.streamjsonrpc.{figure}"), "calls/s");
            report.Add($"rpc.{figure}.dotnet-workers", ours, "calls/s", "of Unix socket", F($"rpc.unix-socket.{figure}"));
            report.Add($"rpc.{figure}.dotnet-workers-vs-streamjsonrpc", ours, "calls/s", "of StreamJsonRpc", F($"rpc.streamjsonrpc.{figure}"));
            report.Add($"rpc.{figure}.unix-socket-coalescing", F($"rpc.unix-socket-coalescing.{figure}"), "calls/s");
            report.Add($"rpc.{figure}.dotnet-workers-vs-coalescing-socket", ours, "calls/s", "of the coalescing Unix socket", F($"rpc.unix-socket-coalescing.{figure}"));
        }

        foreach (string size in new[] { "16b", "4096b" })
        {
            report.Add($"queue.{size}.unix-socket", F($"queue.{size}.unix-socket"), "msgs/s");
            report.Add($"queue.{size}.dotnet-workers", F($"queue.{size}.dotnet-workers"), "msgs/s", "of Unix socket", F($"queue.{size}.unix-socket"));
            report.Add($"queue.{size}-batched.dotnet-workers", F($"queue.{size}-batched.dotnet-workers"), "msgs/s", "of Unix socket", F($"queue.{size}.unix-socket"));
        }

        report.Write(outDirectory);
    }

    private static Dictionary<string, double> RunCluster(int milliseconds)
    {
        string launcher = Path.Combine(Paths.Artifacts, "bin", "dotnet-workers");
        string probe = Path.Combine(Paths.Artifacts, "bench", "apps", "IpcBenchProbe", "IpcBenchProbe.dll");
        var info = new ProcessStartInfo(launcher) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in new[] { "--workers=1", probe, milliseconds.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        using Process cluster = Process.Start(info)!;
        Task<string> output = cluster.StandardOutput.ReadToEndAsync();
        if (!cluster.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            cluster.Kill(entireProcessTree: true);
            throw new InvalidOperationException("the IpcBenchProbe cluster did not finish in 120 s");
        }

        if (cluster.ExitCode != 0)
        {
            throw new InvalidOperationException($"the IpcBenchProbe cluster failed ({cluster.ExitCode}): {output.Result}");
        }

        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("figure ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .ToDictionary(f => f[1], f => double.Parse(f[2], CultureInfo.InvariantCulture));
    }
}
