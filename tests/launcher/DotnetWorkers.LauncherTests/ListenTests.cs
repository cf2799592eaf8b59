using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using static DotnetWorkers.LauncherTests.WebRequests;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// --listen through the real launcher and a real Kestrel app (WebProbe) that knows nothing
/// of dotnet-workers: it calls UseSystemd() and serves what the launcher hands it.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class ListenTests
{
    [Test]
    public async Task EveryProcess_ServesThePort_ThroughUseSystemd_WithoutTheLibrary()
    {
        int port = FreePort();
        using var run = LauncherRun.Start("--workers=3", "--listen", $"127.0.0.1:{port}", WebProbe);
        run.WaitForLines(l => l.StartsWith("serving ", StringComparison.Ordinal), 4);

        using var client = new HttpClient();
        Dictionary<string, int> seen = await UntilAllAnswerAsync(client, $"http://127.0.0.1:{port}/", ["0", "1", "2", "3"]);
        Assert.That(seen.Keys, Is.EquivalentTo(new[] { "0", "1", "2", "3" }), "the primary and every worker answered");
        Assert.That(await GetAsync(client, $"http://127.0.0.1:{port}/fds"), Is.EqualTo($"1 {port}"), "LISTEN_FDS and LISTEN_FDNAMES");

        run.Signal(Posix.SIGTERM);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
    }

    [Test]
    public async Task WithTheDashboardOn_TheAppsPortReachesOnlyTheApp_AndTheTokenOnlyTheDashboard()
    {
        int port = FreePort();
        int dashboard = FreePort();
        var environment = new Dictionary<string, string> { ["DOTNET_WORKERS_HTTP_TOKEN"] = "env-token-0123456789" };
        using var run = LauncherRun.StartWithEnvironment(environment, "--workers=2", "--listen", $"127.0.0.1:{port}", "--http", $"127.0.0.1:{dashboard}", WebProbe);
        run.WaitForLines(l => l.StartsWith("serving ", StringComparison.Ordinal), 3);

        // The dashboard is a process like the others but takes no --listen of the app's: on a
        // shared port it would answer the app's clients (with the cluster's API, on a public port).
        using var client = new HttpClient();
        for (int i = 0; i < 40; i++)
        {
            string body = await GetAsync(client, $"http://127.0.0.1:{port}/");
            Assert.That(body, Does.Match(@"^[0-2] (primary|worker) \d+$"), $"request {i} reached something other than the app");
        }

        Assert.That(await GetAsync(client, $"http://127.0.0.1:{port}/env/DOTNET_WORKERS_HTTP_TOKEN"), Is.EqualTo("(unset)"), "the dashboard's token reaches only the dashboard");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{dashboard}/api/workers");
        using HttpResponseMessage refused = await client.SendAsync(request);
        Assert.That((int)refused.StatusCode, Is.EqualTo(401), "the token from the launcher's environment guards the dashboard");

        run.Signal(Posix.SIGTERM);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
    }

    [Test]
    public async Task ProcessesThatOutnumberTheCores_RunWorkstationGc_UnlessTheUserChose()
    {
        // The app asks for Server GC (every ASP.NET Core app's runtimeconfig does) and sizes
        // itself by Environment.ProcessorCount.
        string workers = $"--workers={Environment.ProcessorCount}";
        foreach ((Dictionary<string, string> environment, string expected) in new[]
        {
            (new Dictionary<string, string>(), $"workstation {Environment.ProcessorCount}"),
            (new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" }, $"server {Environment.ProcessorCount}"),
            (new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "3" }, "server 3"),
        })
        {
            int port = FreePort();
            using var run = LauncherRun.StartWithEnvironment(environment, workers, "--listen", $"127.0.0.1:{port}", WebProbe);
            run.WaitForLines(l => l.StartsWith("serving ", StringComparison.Ordinal), Environment.ProcessorCount + 1);
            using var client = new HttpClient();
            var modes = new HashSet<string>();
            for (int i = 0; i < 20; i++)
            {
                modes.Add(await GetAsync(client, $"http://127.0.0.1:{port}/gc") + " " + await GetAsync(client, $"http://127.0.0.1:{port}/cpus"));
            }

            Assert.That(modes, Is.EquivalentTo(new[] { expected }), string.Join(",", environment.Keys));
            run.Signal(Posix.SIGTERM);
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        }
    }

    [Test]
    public async Task AListenForOneRole_ReachesOnlyThatRole_AndAUnixSocketIsServedToo()
    {
        int port = FreePort();
        string dir = Directory.CreateTempSubdirectory("dw-listen-").FullName;
        string socket = Path.Combine(dir, "web.sock");
        try
        {
            using var run = LauncherRun.Start("--role", "web=2", "--role", "jobs=1", "--listen", $"127.0.0.1:{port}=web", "--listen", $"{socket}=web", WebProbe);
            run.WaitForLines(l => l.StartsWith("serving ", StringComparison.Ordinal), 2);
            run.WaitForLines(l => l.StartsWith("no sockets ", StringComparison.Ordinal), 2);
            Assert.That(run.Stdout.Where(l => l.StartsWith("serving ", StringComparison.Ordinal)), Is.EquivalentTo(new[] { "serving 1 web", "serving 2 web" }));
            Assert.That(run.Stdout.Where(l => l.StartsWith("no sockets ", StringComparison.Ordinal)), Is.EquivalentTo(new[] { "no sockets 0 primary", "no sockets 3 jobs" }));

            using var tcp = new HttpClient();
            Assert.That((await UntilAllAnswerAsync(tcp, $"http://127.0.0.1:{port}/", ["1", "2"])).Keys, Is.EquivalentTo(new[] { "1", "2" }));
            Assert.That(await GetAsync(tcp, $"http://127.0.0.1:{port}/fds"), Is.EqualTo($"2 {port}:web.sock"), "in the order given");

            using var unix = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                    return new NetworkStream(s, ownsSocket: true);
                },
            });
            Assert.That((await GetAsync(unix, "http://localhost/")).Split(' ')[1], Is.EqualTo("web"));

            run.Signal(Posix.SIGTERM);
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
            Assert.That(File.Exists(socket), Is.False, "the launcher removes the socket file it made");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void APortTaken_ABadAddress_AnExistingPath_OrAnUnknownRole_IsOneLineBeforeAnythingStarts()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string existing = Path.GetTempFileName();
        try
        {
            (string Listen, int Code, string Message)[] cases =
            [
                ($"127.0.0.1:{port}", 1, $"--listen 127.0.0.1:{port}: cannot bind 127.0.0.1:{port}: Address already in use (another process listens there)"),
                ($"{port}", 1, $"--listen {port}: cannot bind port {port}: Address already in use (another process listens there)"),
                ("192.0.2.1:8080", 1, "--listen 192.0.2.1:8080: cannot bind 192.0.2.1:8080: Cannot assign requested address"),
                ("no-such-host.invalid:8080", 1, "--listen no-such-host.invalid:8080: cannot resolve 'no-such-host.invalid'"),
                (existing, 1, $"--listen {existing}: {existing} exists (remove it, or choose another path)"),
                ("8080=web", 2, "--listen 8080=web: no process has the role 'web'"),
                ("70000", 2, "invalid --listen '70000': expected [HOST:]PORT"),
                ("::1:8080", 2, "invalid --listen '::1:8080': expected [HOST:]PORT"),
                ("8080=", 2, "invalid --listen '8080=': the role after '=' is 1-31 letters"),
            ];
            foreach ((string listen, int code, string message) in cases)
            {
                using var run = LauncherRun.Start("--workers=1", "--listen", listen, WebProbe);
                Assert.That(run.WaitForExit(), Is.EqualTo(code), $"{listen}: {run.Transcript()}");
                Assert.That(run.Stderr, Has.Count.EqualTo(1), listen);
                Assert.That(run.Stderr[0], Does.StartWith("dotnet-workers: error: " + message), listen);
                Assert.That(run.Stdout, Is.Empty, $"{listen}: nothing started");
            }
        }
        finally
        {
            taken.Stop();
            File.Delete(existing);
        }
    }

    [Test]
    public async Task AWorkerKilledUnderRevive_LeavesThePortAnswering_AndItsSuccessorServesItsSocket()
    {
        int port = FreePort();
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=revive", "--restart-delay=200ms", "--listen", $"127.0.0.1:{port}", WebProbe);
        run.WaitForLines(l => l.StartsWith("serving ", StringComparison.Ordinal), 3);
        using var client = new HttpClient();
        string url = $"http://127.0.0.1:{port}/";
        Dictionary<string, int> before = await UntilAllAnswerAsync(client, url, ["0", "1", "2"]);
        Assert.That(before.Keys, Is.EquivalentTo(new[] { "0", "1", "2" }));
        int victim = (await PidsOfAsync(client, url, ["1"]))["1"];

        // Sequential requests while worker 1 dies and comes back: one in flight at a time,
        // so at most one may fail; those hashed to its socket meanwhile wait in its queue.
        int failures = 0, served = 0;
        var clock = Stopwatch.StartNew();
        Posix.Kill(victim, Posix.SIGKILL);
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            try
            {
                await GetAsync(client, url);
                served++;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures++;
            }
        }

        Assert.That(failures, Is.LessThanOrEqualTo(1), $"served {served}");
        run.WaitForLines(l => l == "serving 1 worker", 2);
        int successor = (await PidsOfAsync(client, url, ["1"]))["1"];
        Assert.That(successor, Is.Not.EqualTo(victim), "a new process serves worker 1's socket");

        run.Signal(Posix.SIGTERM);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
    }

    [Test]
    public async Task AWorkerThatEndsForGood_TakesItsSocketWithIt_SoNoConnectionWaitsOnIt()
    {
        int port = FreePort();
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=continue", "--listen", $"127.0.0.1:{port}", WebProbe);
        run.WaitForLines(l => l.StartsWith("serving ", StringComparison.Ordinal), 3);
        using var client = new HttpClient();
        string url = $"http://127.0.0.1:{port}/";
        int victim = (await PidsOfAsync(client, url, ["2"]))["2"];
        Posix.Kill(victim, Posix.SIGKILL);
        LauncherRun.AssertAllDead([victim]);
        await Task.Delay(200);  // the launcher reaps it and closes its socket

        // Every new connection lands on a live process's socket: none waits for a timeout.
        var seen = new HashSet<string>();
        for (int i = 0; i < 60; i++)
        {
            seen.Add((await GetAsync(client, url)).Split(' ')[0]);
        }

        Assert.That(seen, Is.EquivalentTo(new[] { "0", "1" }));
        run.Signal(Posix.SIGTERM);
        run.WaitForExit();
    }
}
