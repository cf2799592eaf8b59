using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DotnetWorkers.Bench.Web;

/// <summary>
/// The WebCache sample under wrk on loopback, in one run: plain <c>dotnet WebCache.dll</c>
/// (one process, ASP.NET Core's default Server GC) against the same app as a cluster,
/// <c>dotnet-workers --workers=2 --listen</c> (three processes on one port, with the GC the
/// launcher chooses: workstation when processes outnumber cores), the same with the port
/// given to the two workers only (<c>--listen ADDRESS=worker</c>: one serving process per
/// core, the primary left to coordinate, as the README advises), and the first cluster with
/// Server GC forced back (<c>DOTNET_gcServer=1</c>: what the launcher's default avoids).
/// For a plain endpoint and one that allocates ~4 MB per request: requests/s, p99, and
/// the requests each process served (the sample counts them in the shared store).
/// </summary>
internal static partial class WebBenchmark
{
    private const int Connections = 64;
    private const int Threads = 2;
    // Long enough for tiered compilation to finish in every process: each process of a
    // cluster JITs the app on its own, on cores it shares with the others and wrk, and
    // after 2 s of load the cluster's hot paths were still tier-0 and instrumented code
    // (perf: a third of its CPU in call-counting stubs), so a short warm-up measures the
    // JIT, not the server.
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(6);

    private sealed record Setup(string Name, string Program, string[] Args, Dictionary<string, string> Environment);

    private sealed record WrkResult(double RequestsPerSecond, double P99Milliseconds, long Errors);

    /// <summary>One measured run: wrk's figures and the requests each process served meanwhile.</summary>
    private sealed record Measurement(WrkResult Wrk, Dictionary<string, long> ServedBy);

    internal static void Run(string outDirectory, int rounds)
    {
        string wrk = DebianPackages.FindOrInstall("wrk", ["/usr/bin/wrk", "/usr/local/bin/wrk"], out string? whyNot)
            ?? throw new InvalidOperationException($"the web suite needs wrk: {whyNot}");
        string app = Path.Combine(Paths.Artifacts, "samples", "WebCache", "WebCache.dll");
        string launcher = Path.Combine(Paths.Artifacts, "bin", "dotnet-workers");
        int port = Loopback.FreePort();
        string address = $"127.0.0.1:{port}";
        var report = new BenchReport("web",
            $"wrk -t{Threads} -c{Connections} -d{Measured.TotalSeconds}s --latency on loopback after a {Warmup.TotalSeconds} s warm-up, " +
            $"{Environment.ProcessorCount} cores shared by wrk and the app; median of {rounds} rounds, each starting every setup afresh in turn");

        Setup[] setups =
        [
            new("single", "dotnet", [app, "--urls", $"http://{address}"], []),
            new("cluster", launcher, ["--workers=2", "--listen", address, app], []),
            new("cluster-workers", launcher, ["--workers=2", "--listen", $"{address}=worker", app], []),
            new("cluster-servergc", launcher, ["--workers=2", "--listen", address, app], new() { ["DOTNET_gcServer"] = "1" }),
        ];

        foreach (string endpoint in new[] { "plain", "alloc" })
        {
            // Rounds alternate the setups, so a slow spell of the machine falls on all of them.
            var runs = setups.ToDictionary(setup => setup, _ => new List<Measurement>());
            for (int round = 0; round < rounds; round++)
            {
                foreach (Setup setup in setups)
                {
                    runs[setup].Add(Measure(setup, wrk, port, $"http://{address}/{endpoint}"));
                }
            }

            double singleRate = MedianRun(runs[setups[0]]).Wrk.RequestsPerSecond;
            double singleP99 = MedianP99(runs[setups[0]]);
            foreach (Setup setup in setups)
            {
                List<Measurement> all = runs[setup];
                string name = $"web.{endpoint}.{setup.Name}";
                string? versus = setup == setups[0] ? null : "of single";  // no ratio for the baseline itself
                report.Add($"{name}.requests-per-s", MedianRun(all).Wrk.RequestsPerSecond, "req/s", versus, versus is null ? null : singleRate);
                report.Add($"{name}.p99-ms", MedianP99(all), "ms", versus, versus is null ? null : singleP99);

                long errors = all.Sum(r => r.Wrk.Errors);
                if (errors > 0)
                {
                    report.Add($"{name}.errors", errors, "requests");
                }

                // Each process's share of the requests, over every round.
                var served = new Dictionary<string, long>();
                foreach ((string worker, long count) in all.SelectMany(r => r.ServedBy))
                {
                    served[worker] = served.GetValueOrDefault(worker) + count;
                }

                long total = served.Values.Sum();
                foreach ((string worker, long count) in served.OrderBy(p => int.Parse(p.Key, CultureInfo.InvariantCulture)))
                {
                    report.Add($"{name}.served-share.process-{worker}", total > 0 ? 100.0 * count / total : 0, "%");
                }
            }
        }

        report.Write(outDirectory);
    }

    private static Measurement Measure(Setup setup, string wrk, int port, string url)
    {
        using Process server = Start(setup);
        try
        {
            WaitUntilServing(port, server);
            Wrk(wrk, url, Warmup);
            Dictionary<string, long> before = Served(port);
            WrkResult result = Wrk(wrk, url, Measured);
            Dictionary<string, long> after = Served(port);
            return new Measurement(result, after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key)));
        }
        finally
        {
            Stop(server);
        }
    }

    private static Measurement MedianRun(List<Measurement> runs) => runs.OrderBy(r => r.Wrk.RequestsPerSecond).ElementAt(runs.Count / 2);

    private static double MedianP99(List<Measurement> runs) => runs.Select(r => r.Wrk.P99Milliseconds).Order().ElementAt(runs.Count / 2);

    private static Process Start(Setup setup)
    {
        var info = new ProcessStartInfo(setup.Program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in setup.Args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach ((string key, string value) in setup.Environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["Logging__LogLevel__Default"] = "Warning";  // no log line per request
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitUntilServing(int port, Process server)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {server.ExitCode} before it served");
            }

            try
            {
                if (client.GetAsync($"http://127.0.0.1:{port}/plain").Result.IsSuccessStatusCode)
                {
                    Thread.Sleep(500);  // every process of a cluster up, not only the first
                    return;
                }
            }
            catch (AggregateException)
            {
                // not listening yet
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException("the server did not serve within 60 s");
    }

    private static Dictionary<string, long> Served(int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using JsonDocument hits = JsonDocument.Parse(client.GetStringAsync($"http://127.0.0.1:{port}/hits").Result);
        return hits.RootElement.GetProperty("byWorker").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
    }

    private static WrkResult Wrk(string wrk, string url, TimeSpan duration)
    {
        var info = new ProcessStartInfo(wrk) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in new[] { $"-t{Threads}", $"-c{Connections}", $"-d{duration.TotalSeconds}s", "--latency", url })
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(duration + TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new InvalidOperationException("wrk did not finish");
        }

        Match rate = RequestsPerSecond().Match(output);
        Match p99 = Percentile99().Match(output);
        if (!rate.Success || !p99.Success)
        {
            throw new InvalidOperationException($"cannot read wrk's output:\n{output}");
        }

        Match errors = NonSuccess().Match(output);
        Match socketErrors = SocketErrors().Match(output);
        long failed = (errors.Success ? long.Parse(errors.Groups[1].Value, CultureInfo.InvariantCulture) : 0)
            + (socketErrors.Success ? socketErrors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0);
        return new WrkResult(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(double.Parse(p99.Groups[1].Value, CultureInfo.InvariantCulture), p99.Groups[2].Value), failed);
    }

    private static double Milliseconds(double value, string unit) => unit switch
    {
        "us" => value / 1000,
        "ms" => value,
        "s" => value * 1000,
        _ => throw new InvalidOperationException($"unknown unit '{unit}' in wrk's output"),
    };

    private static void Stop(Process server)
    {
        if (!server.HasExited)
        {
            Posix.Terminate(server.Id);
            if (!server.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }
        }
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline)]
    private static partial Regex Percentile99();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();
}
