using System.Net;
using System.Text.Json;
using static DotnetWorkers.LauncherTests.WebRequests;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// The WebCache sample (an ASP.NET Core minimal API with DotnetWorkers.Hosting, no
/// UseSystemd()) through the real launcher: Kestrel serves the port of <c>--listen</c> from
/// every web process, the endpoints share the store, the jobs role takes the queue, and a
/// reload waits for the hosts' own readiness.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class WebCacheTests
{
    private static string WebCache => Paths.Sample("WebCache");

    private static bool Started(string line) => line.Trim() == "Application started. Press Ctrl+C to shut down.";

    /// <summary>The cluster of the README: two web workers on the port, one jobs worker, the primary.</summary>
    private static LauncherRun StartCluster(int port, params string[] more)
    {
        var cluster = LauncherRun.Start([.. more, "--workers=2", "--role", "jobs=1", "--listen", $"127.0.0.1:{port}=worker", WebCache]);
        cluster.WaitForLines(Started, 4);
        return cluster;
    }

    /// <summary>Who answered "/": "worker ID (ROLE, pid PID)".</summary>
    private static (string Id, int Pid) Answerer(string body)
    {
        string[] fields = body.Trim().Split(' ');
        return (fields[1], int.Parse(fields[4].TrimEnd(')')));
    }

    [Test]
    public async Task EveryWebWorkerServesThePort_AndTheEndpointsShareTheCluster()
    {
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}";
        using var cluster = StartCluster(port);
        using var client = new HttpClient();

        // Every web worker answers on the one port, and only they: the primary and the jobs
        // worker were given no socket, so their hosts run without an HTTP server.
        var seen = new Dictionary<string, int>();
        int requests = 0;
        while (requests < 400 && seen.Count < 2)
        {
            (string id, _) = Answerer(await GetAsync(client, url + "/"));
            seen[id] = seen.GetValueOrDefault(id) + 1;
            requests++;
        }

        Assert.That(seen.Keys, Is.EquivalentTo(new[] { "1", "2" }), cluster.Transcript());
        Assert.That(cluster.Stdout.Count(l => l.Contains("was given no socket by --listen", StringComparison.Ordinal)), Is.EqualTo(2));

        // The hit counters live in the store: every process counts into the same keys (the
        // request for /hits counts too).
        using (JsonDocument hits = JsonDocument.Parse(await GetAsync(client, url + "/hits")))
        {
            Assert.That(hits.RootElement.GetProperty("total").GetInt64(), Is.EqualTo(requests + 1));
            Dictionary<string, long> byWorker = hits.RootElement.GetProperty("byWorker").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            Assert.That(byWorker.Keys, Is.EquivalentTo(new[] { "1", "2" }));
            Assert.That(byWorker["1"] + byWorker["2"], Is.EqualTo(requests + 1));
            Assert.That(byWorker["1"], Is.EqualTo(seen["1"]).Or.EqualTo(seen["1"] + 1));
        }

        // The report is computed once per cluster: every answer, from either process, is that one.
        string[] reports = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => GetAsync(client, url + "/report")));
        Assert.That(reports.Distinct(), Has.Exactly(1).Items, string.Join('\n', reports));
        using (JsonDocument report = JsonDocument.Parse(reports[0]))
        {
            Assert.That(report.RootElement.GetProperty("primes").GetInt64(), Is.EqualTo(348_513), "primes below 5,000,000");
            Assert.That(report.RootElement.GetProperty("computedBy").GetInt32(), Is.AnyOf(1, 2));
        }

        // A job goes through the queue to the jobs role (worker 3) and its result back through the store.
        using var post = new HttpRequestMessage(HttpMethod.Post, url + "/jobs?digits=50");
        using HttpResponseMessage accepted = await client.SendAsync(post);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        string location = accepted.Headers.Location!.ToString();
        JsonElement? done = null;
        for (int i = 0; i < 200 && done is null; i++)
        {
            using HttpResponseMessage result = await client.GetAsync(url + location);
            if (result.StatusCode == HttpStatusCode.OK)
            {
                done = JsonDocument.Parse(await result.Content.ReadAsStringAsync()).RootElement.Clone();
            }
            else
            {
                Assert.That(result.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "not done yet");
                await Task.Delay(50);
            }
        }

        Assert.That(done, Is.Not.Null, "the job was done within 10 s\n" + cluster.Transcript());
        Assert.That(done!.Value.GetProperty("doneBy").GetInt32(), Is.EqualTo(3));
        Assert.That(done.Value.GetProperty("sha256").GetString(), Has.Length.EqualTo(64));
        using (HttpResponseMessage unknown = await client.GetAsync(url + "/jobs/999"))
        {
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        // The background job runs in the jobs role only.
        int taking = cluster.Stdout.ToList().FindIndex(l => l.Contains("Taking jobs from the queue", StringComparison.Ordinal));
        Assert.That(cluster.Stdout[taking - 1], Does.Contain("=> WorkerId:3 Role:jobs"));
        Assert.That(cluster.Stdout.Count(l => l.Contains("Taking jobs from the queue", StringComparison.Ordinal)), Is.EqualTo(1));

        // SIGTERM: every host stops on the cluster's shutdown, within the timeout (none killed).
        cluster.Signal(Posix.SIGTERM);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
        Assert.That(cluster.Stdout.Count(l => l.Trim() == "Application is shutting down..."), Is.EqualTo(4));
        Assert.That(cluster.Stderr, Has.None.Contains("killed"));
    }

    [Test]
    public async Task AReloadOfTheWebRole_UnderLoad_WaitsForEachHostsReadiness_AndDropsNothing()
    {
        string name = $"webcache-{Guid.NewGuid():N}"[..18];
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/";
        // A ready timeout longer than the reload's --wait: the reload completes only because
        // each new host says it is ready once Kestrel listens.
        using var cluster = StartCluster(port, "--name", name, "--ready-timeout=10m");
        using var client = new HttpClient();
        var before = new HashSet<int>();
        for (int i = 0; i < 400 && before.Count < 2; i++)
        {
            before.Add(Answerer(await GetAsync(client, url)).Pid);
        }

        await using (var load = new Load(url, clients: 4))
        {
            await Task.Delay(200);
            using var reload = LauncherRun.Start("reload", name, "--role", "worker", "--wait", "60");
            Assert.That(reload.WaitForExit(TimeSpan.FromSeconds(90)), Is.Zero, reload.Transcript() + cluster.Transcript());
            await Task.Delay(200);
            Assert.That(load.Failures, Is.Empty, $"served {load.Served}");
        }

        Assert.That(cluster.Stderr, Has.None.Contains("did not report ready"));
        var after = new HashSet<int>();
        for (int i = 0; i < 400 && after.Count < 2; i++)
        {
            after.Add(Answerer(await GetAsync(client, url)).Pid);
        }

        Assert.That(after, Has.None.AnyOf(before), "both web workers were replaced");
        cluster.Signal(Posix.SIGTERM);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
    }
}
