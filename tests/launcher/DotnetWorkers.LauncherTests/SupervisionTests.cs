namespace DotnetWorkers.LauncherTests;

/// <summary>
/// Supervision through the real launcher: revive with the shared state intact, the restart
/// limit, --timeout, plain apps left to finish their Main, and what a killed runtime leaves
/// in the temp folder. Run on the probe as a CoreCLR app and published with NativeAOT.
/// </summary>
[TestFixture("CoreCLR")]
[TestFixture("NativeAOT")]
public class SupervisionTests(string runtime)
{
    private string Probe => runtime == "NativeAOT" ? Paths.NativeAot("ClusterProbe") : Paths.Probe;

    [Test]
    public void Revive_BringsAKilledWorkerBack_SameIdAndRole_NewPid_WithTheSharedStateIntact()
    {
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=revive", Probe, "revive");
        run.WaitForLines(l => l == "probe holding id=1", 1);
        int first = LifePid(run, 1, life: 1);
        string[] leftovers = RuntimeFilesOf(first);

        Posix.Kill(first, Posix.SIGKILL);

        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        int revived = LifePid(run, 1, life: 2);
        Assert.That(revived, Is.Not.EqualTo(first));
        Assert.That(run.ProbeLines, Has.One.StartsWith("life id=1 ").And.Contains("role=worker life=2"), run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("hang failed=RemoteProcessDiedException"), "its in-flight call failed in the caller");
        Assert.That(run.ProbeLines, Does.Contain("acquired abandoned=True"), "the mutex it held passed on, abandoned");
        Assert.That(run.ProbeLines, Does.Contain("revived id=1 kept=set-before-the-kill"), "the store survived");
        Assert.That(run.ProbeLines, Does.Contain($"revived-pid={revived} table-pid={revived} status=Running role=worker"), run.Transcript());
        Assert.That(run.ProbeLines.Count(l => l.StartsWith("life id=2 ", StringComparison.Ordinal)), Is.EqualTo(1), "worker 2 lived on, once");

        // What the table showed meanwhile: the states in their order (a quick one may be missed between two looks).
        string[] order = ["Killed", "Reviving", "Starting", "Running"];
        string[] seen = run.ProbeLines.Single(l => l.StartsWith("statuses ", StringComparison.Ordinal))["statuses ".Length..].Split(',');
        int[] positions = [.. seen.Select(s => Array.IndexOf(order, s))];
        Assert.That(positions, Is.Ordered.And.All.GreaterThanOrEqualTo(0), $"seen: {string.Join(",", seen)}");
        Assert.That(seen, Does.Contain("Killed").Or.Contain("Reviving"), "the death showed before the new process");
        Assert.That(run.Stderr, Has.One.EqualTo(
            $"dotnet-workers: worker 1 (pid {first}, role 'worker') was killed by SIGKILL; reviving it in 100ms (restart 1)"), run.Transcript());

        if (runtime == "CoreCLR")
        {
            // NativeAOT apps open no diagnostic socket or debugger pipes unless asked to.
            Assert.That(leftovers, Is.Not.Empty, "a CoreCLR process has a diagnostic socket (the check below would prove nothing)");
        }

        Assert.That(RuntimeFilesOf(first), Is.Empty, "the launcher removed what the killed runtime left in the temp folder");
        LauncherRun.AssertAllDead([.. run.ReportedPids, first, revived]);
    }

    [Test]
    public void Revive_AWorkerThatKeepsDying_WithGrowingDelays_FailsTheClusterPastTheLimit()
    {
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=revive", "--max-restarts=2", "--shutdown-timeout=60s",
            Probe, "crash", "exit3");
        Assert.That(run.WaitForExit(), Is.EqualTo(3), run.Transcript());

        string[] lines = [.. run.Stderr.Where(l => l.StartsWith("dotnet-workers:", StringComparison.Ordinal))];
        Assert.That(lines, Has.Length.EqualTo(3), run.Transcript());
        Assert.That(lines[0], Does.EndWith("exited with code 3; reviving it in 100ms (restart 1)"));
        Assert.That(lines[1], Does.EndWith("exited with code 3; reviving it in 150ms (restart 2)"));
        Assert.That(lines[2], Does.Contain("worker 1 died 3 times within 60s (more than --max-restarts=2); stopping the cluster"));
        Assert.That(run.ProbeLines.Count(l => l == "crashing id=1 how=exit3"), Is.EqualTo(3));
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void Revive_AWorkerExitingWithZero_HasFinished_AndIsNotStartedAgain()
    {
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=revive", Probe, "worker-exits-early");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Identities, Has.Count.EqualTo(3), run.Transcript());
        Assert.That(run.Stderr, Has.None.Contains("reviving"), run.Transcript());
    }

    [Test]
    public void Timeout_EndsAClusterThatWouldRunOn_With124_AndNamesWhatStillRan()
    {
        using var run = LauncherRun.Start("--workers=1", "--timeout=5s", Probe, "wait-shutdown");
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(20)), Is.EqualTo(124), run.Transcript());
        int primary = int.Parse(run.Identities.Single(f => f["id"] == "0")["pid"]);
        int worker = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);
        Assert.That(run.Stderr, Has.One.EqualTo(
            $"dotnet-workers: --timeout=5s passed; stopping the cluster; still running: the primary (pid {primary}) running, " +
            $"worker 1 (pid {worker}, role 'worker') running"), run.Transcript());
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void Timeout_WithAnAppThatIgnoresShutdown_StillEndsIt_With124()
    {
        using var run = LauncherRun.Start("--workers=1", "--timeout=3s", "--shutdown-timeout=1s", Probe, "ignore-shutdown");
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(20)), Is.EqualTo(124), run.Transcript());
        Assert.That(run.Stderr, Has.Some.Contains("--timeout=3s passed"), run.Transcript());
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void APlainApp_WhosePrimaryReturnsAtOnce_RunsEveryWorkersMainToTheEnd()
    {
        using var run = LauncherRun.Start("--workers=2", Probe, "plain-late");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines.Where(l => l.StartsWith("plain-done ", StringComparison.Ordinal)).Order(),
            Is.EqualTo(new[] { "plain-done id=0", "plain-done id=1", "plain-done id=2" }), run.Transcript());
        Assert.That(run.Stderr, Has.None.StartsWith("dotnet-workers:"), run.Transcript());
    }

    [Test]
    public void AWorkerThatBindsAfterTheShutdownBegan_Binds_AndSeesItStopping()
    {
        // The primary returns at once; the workers bind a second later, when the launcher has
        // marked them stopping. Such a bind used to fail ("not a process the launcher
        // started") and the worker died of the exception.
        using var run = LauncherRun.Start("--workers=2", Probe, "bind-late");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines.Where(l => l.StartsWith("late-bound ", StringComparison.Ordinal)).Order(),
            Is.EqualTo(new[] { "late-bound id=1 stopping=True", "late-bound id=2 stopping=True" }), run.Transcript());
        Assert.That(run.Stderr, Does.Not.Contain("Unhandled exception").And.Not.Contain("SIGABRT"), run.Transcript());
    }

    [Test]
    public void Workers_ReportStatisticsPublishedWithoutLocks_AndReadFromTheKernel()
    {
        using var run = LauncherRun.Start("--workers=2", Probe, "statistics");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        string[] stats = [.. run.ProbeLines.Where(l => l.StartsWith("stats ", StringComparison.Ordinal))];
        Assert.That(stats, Has.Length.EqualTo(3), run.Transcript());
        Assert.That(stats, Has.One.EqualTo("stats id=1 status=Running served=50 inflight=1 busy=True cpu=used rss=True gc=True started=True restarts=0"), run.Transcript());
        Assert.That(stats, Has.One.StartsWith("stats id=0 status=Running served=0 inflight=0 ").And.Contains("rss=True gc=True started=True restarts=0"));
        Assert.That(stats, Has.One.StartsWith("stats id=2 status=Running served=0 inflight=0 busy=False "));
        Assert.That(stats, Has.None.Contains("cpu=none"), "every running process has its CPU time read");
    }

    [Test]
    public void RestartWorkerAsync_AndStopWorkerAsync_FromThePrimaryAndFromAWorker()
    {
        using var run = LauncherRun.Start("--workers=2", Probe, "stop-restart");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        int first = LifePid(run, 1, life: 1);
        int second = LifePid(run, 1, life: 2);
        Assert.That(run.ProbeLines, Does.Contain("stopping id=1 life=1 by_token=True"), "the old process got its ShutdownToken");
        Assert.That(run.ProbeLines, Does.Contain($"restarted id=1 pid={second} status=Running restarts=1 cause=Requested last_exit=0"), run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("stopping id=2 life=1 by_token=True"), run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("worker-2 status=Exited exit=0 restarts=0"), "stopped for good: not started again");
        Assert.That(run.ProbeLines, Does.Contain("refused primary=ArgumentOutOfRangeException stopped=InvalidOperationException unknown=InvalidOperationException"));
        Assert.That(run.Stderr, Has.Some.StartsWith($"dotnet-workers: restarting worker 1 (pid {first}, role 'worker') (asked by pid "), run.Transcript());
        Assert.That(run.Stderr, Has.Some.StartsWith("dotnet-workers: stopping worker 2 (pid ").And.Contains($"(asked by pid {second})"), run.Transcript());
        LauncherRun.AssertAllDead([.. run.ReportedPids]);
    }

    [Test]
    public void MaxMemory_RestartsAWorkerPastIt_Gracefully_CountedWithItsCause()
    {
        using var run = LauncherRun.Start("--workers=1", "--max-memory=200m", Probe, "memory-hog");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain($"stopping id=1 life=1 by_token=True held={300 << 20}"), "asked to stop through its ShutdownToken");
        Assert.That(run.ProbeLines, Does.Contain("restarted id=1 restarts=1 cause=MemoryLimit last_exit=0"), run.Transcript());
        int first = LifePid(run, 1, life: 1);
        Assert.That(run.Stderr, Has.One.Matches($@"^dotnet-workers: worker 1 \(pid {first}, role 'worker'\) uses \d+ MiB, more than --max-memory=200 MiB; restarting it$"), run.Transcript());
        LauncherRun.AssertAllDead([.. run.ReportedPids]);
    }

    [Test]
    public void StartWorkersAsync_FromThePrimaryAndFromAWorker_AddsRunningWorkersOfTheRole()
    {
        using var run = LauncherRun.Start("--workers=1", Probe, "scale");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("primary-started ids=2,3 running=Running,Running"), run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("worker-started ids=4"), run.Transcript());
        Assert.That(run.Identities.Where(f => f["role"] == "extra").Select(f => f["id"]).Order(), Is.EqualTo(new[] { "2", "3", "4" }));
        Assert.That(run.Identities.Single(f => f["id"] == "4")["count"], Is.EqualTo("1"), "DOTNET_WORKERS_COUNT stays the starting count");
        Assert.That(run.ProbeLines, Does.Contain("table id=2 role=extra status=Running"));
        Assert.That(run.ProbeLines, Does.Contain("table id=3 role=extra status=Exited"), "worker 1 stopped it");
        Assert.That(run.ProbeLines, Does.Contain("table id=4 role=extra status=Running"));
        Assert.That(run.ProbeLines, Does.Contain("refused count=ArgumentOutOfRangeException role=ArgumentException primary=ArgumentException worker-count=1"), run.Transcript());
        LauncherRun.AssertAllDead([.. run.ReportedPids]);
    }

    [Test]
    public void Chaos_FiftyRandomKillsWhileEveryProcessWorks_BreakNothing_AndLeaveNothingBehind()
    {
        string[] shmBefore = Directory.GetFiles("/dev/shm");
        // Sockets from before (pids are reused: a launcher killed by an earlier test could not clean up).
        string[] socketsBefore = Directory.GetFiles(Path.GetTempPath(), "dotnet-diagnostic-*");
        using var run = LauncherRun.Start("--workers=3", "--on-worker-exit=revive", "--restart-delay=0", "--max-restarts=1000", Probe, "chaos", "50");
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(120)), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Has.None.StartsWith("violation "), run.Transcript());
        string report = run.ProbeLines.Single(l => l.StartsWith("chaos ", StringComparison.Ordinal));
        Assert.That(report, Does.Match(@"^chaos kills=50 seconds=[\d.]+ ops=\d+ queue_read=\d+ max_revive_ms=\d+ violations=0$"), run.Transcript());
        var figures = LauncherRun.Fields(report);
        Assert.That(long.Parse(figures["ops"]), Is.GreaterThan(50), "the workers kept working between the kills");
        Assert.That(long.Parse(figures["queue_read"]), Is.GreaterThan(50), "messages went through the queue (the probe checks none was lost or read twice)");
        string[] revives = [.. run.Stderr.Where(l => l.Contains("was killed by SIGKILL; reviving it in 0s", StringComparison.Ordinal))];
        Assert.That(revives, Has.Length.EqualTo(50), run.Transcript());

        // Every process that lived: those that printed, and those killed (a fast one may die before it prints).
        int[] killed = [.. revives.Select(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, @"\(pid (\d+),").Groups[1].Value))];
        LauncherRun.AssertAllDead([.. run.ReportedPids, .. killed]);
        Assert.That(Directory.GetFiles("/dev/shm"), Is.EquivalentTo(shmBefore), "nothing in /dev/shm");
        Assert.That(killed.SelectMany(pid => Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*")).Except(socketsBefore), Is.Empty,
            "no killed runtime's socket left");
    }

    private static int LifePid(LauncherRun run, int id, int life) =>
        int.Parse(run.ProbeLines.Where(l => l.StartsWith("life ", StringComparison.Ordinal)).Select(LauncherRun.Fields)
            .Single(f => f["life"] == life.ToString() && f["id"] == id.ToString())["pid"]);

    /// <summary>The runtime's files for process <paramref name="pid"/> in the temp folder.</summary>
    private static string[] RuntimeFilesOf(int pid) =>
    [
        .. Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*-socket"),
        .. Directory.GetFiles(Path.GetTempPath(), $"clr-debug-pipe-{pid}-*"),
    ];
}
