using static DotnetWorkers.LauncherTests.WebRequests;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// dotnet-workers reload against a real Kestrel cluster (WebProbe: UseSystemd + AddSystemd,
/// no library) under a client load: every worker replaced, nothing refused or dropped.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class ReloadTests
{
    private static string UniqueName() => $"reload-{Guid.NewGuid():N}"[..16];

    private static LauncherRun Cli(params string[] args)
    {
        var run = LauncherRun.Start(args);
        run.WaitForExit(TimeSpan.FromSeconds(90));
        return run;
    }

    private static bool Serving(string line) => line.StartsWith("serving ", StringComparison.Ordinal);

    [Test]
    public async Task AReloadUnderLoad_RefusesAndDropsNothing_AndReplacesEveryWorker()
    {
        string name = UniqueName();
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/";
        using var cluster = LauncherRun.Start("--name", name, "--workers=3", "--listen", $"127.0.0.1:{port}", WebProbe);
        cluster.WaitForLines(Serving, 4);
        using var client = new HttpClient();
        Dictionary<string, int> before = await PidsOfAsync(client, url, ["0", "1", "2", "3"]);

        LauncherRun reload;
        await using (var load = new Load(url + "slow", clients: 8))
        {
            await Task.Delay(300);
            reload = Cli("reload", name);
            await Task.Delay(300);
            Assert.That(reload.ExitCode, Is.Zero, reload.Transcript() + cluster.Transcript());
            Assert.That(load.Failures, Is.Empty, $"served {load.Served}");
            Assert.That(load.Served, Is.GreaterThan(0));
        }

        using (reload)
        {
            Assert.That(reload.Stdout.Single(), Does.StartWith($"Reloaded 3 workers of '{name}': 1 (pid {before["1"]}), 2 (pid {before["2"]}), 3 (pid {before["3"]}) -> "));
        }

        LauncherRun.AssertAllDead([before["1"], before["2"], before["3"]]);
        Assert.That(cluster.Stderr, Has.None.Contains("did not report ready"), "AddSystemd() said READY=1");

        // The replacements serve, under new ids; the primary is the cluster's lifetime and stays.
        Dictionary<string, int> after = await PidsOfAsync(client, url, ["0", "4", "5", "6"]);
        Assert.That(after["0"], Is.EqualTo(before["0"]));
        Assert.That(after.Where(p => p.Key != "0").Select(p => p.Value), Has.None.AnyOf(before.Values));

        cluster.Signal(Posix.SIGTERM);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
    }

    [Test]
    public async Task AReloadOfOneRole_LeavesTheOthers_AndAnAppThatNeverSaysReady_WaitsForTheReadyTimeout()
    {
        string name = UniqueName();
        int port = FreePort();
        using var cluster = LauncherRun.StartWithEnvironment(
            new Dictionary<string, string> { ["WEBPROBE_NO_READY"] = "1" },
            "--name", name, "--role", "web=1", "--role", "jobs=1", "--listen", $"127.0.0.1:{port}=web", "--ready-timeout=500ms", WebProbe);
        cluster.WaitForLines(Serving, 1);
        cluster.WaitForLines(l => l.StartsWith("no sockets ", StringComparison.Ordinal), 2);
        using var client = new HttpClient();
        int web = (await PidsOfAsync(client, $"http://127.0.0.1:{port}/", ["1"]))["1"];

        using LauncherRun reload = Cli("reload", name, "--role", "web");
        Assert.That(reload.ExitCode, Is.Zero, reload.Transcript() + cluster.Transcript());
        Assert.That(reload.Stdout.Single(), Does.StartWith($"Reloaded 1 worker of '{name}': 1 (pid {web}) -> 3 (pid "));
        Assert.That(cluster.Stderr, Has.Some.Contains("worker 3 did not report ready within --ready-timeout=500ms; stopping worker 1 anyway"));
        Assert.That(cluster.Stdout.Count(l => l == "no sockets 2 jobs"), Is.EqualTo(1), "the jobs worker was not replaced");

        using LauncherRun nobody = Cli("reload", name, "--role", "nobody");
        Assert.That(nobody.ExitCode, Is.EqualTo(1));
        Assert.That(nobody.Stderr, Is.EqualTo(new[] { $"dotnet-workers: error: '{name}' has no running worker with the role 'nobody'" }));

        cluster.Signal(Posix.SIGTERM);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
    }

    [Test]
    public void AProcessThatSignalsReadyThroughTheLibrary_IsReplacedWithoutWaitingForTheTimeout()
    {
        string name = UniqueName();
        using var cluster = LauncherRun.Start("--name", name, "--workers=2", "--ready-timeout=10m", Paths.Probe, "signal-ready");
        cluster.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);
        Assert.That(cluster.ProbeLines.Where(l => l.StartsWith("ready ", StringComparison.Ordinal)), Has.All.EndsWith("signalled=True"));

        using LauncherRun reload = Cli("reload", name, "--wait", "60");
        Assert.That(reload.ExitCode, Is.Zero, reload.Transcript() + cluster.Transcript());
        Assert.That(cluster.ProbeLines.Count(l => l.StartsWith("ready ", StringComparison.Ordinal)), Is.EqualTo(5), "two replacements started");

        cluster.Signal(Posix.SIGTERM);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
    }

    [Test]
    public void SignalReady_WithoutALauncher_SaysNobodyListens()
    {
        using var run = LauncherRun.StartProgram("dotnet", Paths.Probe, "signal-ready-alone");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines.Last(), Is.EqualTo("signalled=False"));
    }

    [Test]
    public async Task AReplacementThatFailsToStart_StopsTheReload_AndTheOldWorkersServeOn()
    {
        string name = UniqueName();
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}/";
        string broken = Path.Combine(Path.GetTempPath(), $"{name}.broken");
        try
        {
            using var cluster = LauncherRun.StartWithEnvironment(
                new Dictionary<string, string> { ["WEBPROBE_FAIL_IF_EXISTS"] = broken },
                "--name", name, "--workers=2", "--listen", $"127.0.0.1:{port}", WebProbe);
            cluster.WaitForLines(Serving, 3);
            using var client = new HttpClient();
            Dictionary<string, int> before = await PidsOfAsync(client, url, ["0", "1", "2"]);

            File.WriteAllText(broken, "a deploy that does not start");
            using LauncherRun reload = Cli("reload", name, "--wait", "5");
            Assert.That(reload.ExitCode, Is.EqualTo(1), reload.Transcript());
            Assert.That(reload.Stderr.Single(), Does.Contain("2 of 2 old workers still run (1, 2)"));
            Assert.That(cluster.Stderr, Has.Some.Contains("reload stopped: worker 3 exited with code 3 before it was ready; worker 1 keeps serving"));

            // Not a worker failure of the cluster (fail-all): the old processes serve on, on their sockets.
            Assert.That(await PidsOfAsync(client, url, ["0", "1", "2"]), Is.EqualTo(before));
            cluster.Signal(Posix.SIGTERM);
            Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
