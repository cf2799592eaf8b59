namespace DotnetWorkers.LauncherTests;

/// <summary>Ctrl-C and SIGTERM shut the cluster down gracefully; a second Ctrl-C kills at once.</summary>
public class SignalTests
{
    [TestCase(Posix.SIGINT)]
    [TestCase(Posix.SIGTERM)]
    [TestCase(Posix.SIGHUP)]
    public void Signal_ShutsEveryProcessDownThroughItsToken(int signal)
    {
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=30s", Paths.Probe, "wait-shutdown", "9");
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);

        run.Signal(signal);

        Assert.That(run.WaitForExit(), Is.EqualTo(9), "the primary's own exit code\n" + run.Transcript());
        Assert.That(run.ProbeLines.Where(l => l.StartsWith("stopped ", StringComparison.Ordinal)),
            Is.EquivalentTo(new[] { "stopped id=0 by_token=True", "stopped id=1 by_token=True", "stopped id=2 by_token=True" }), run.Transcript());
        Assert.That(run.Stderr, Is.Empty);
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void ProcessNeverAskingForTheToken_KeepsTheRuntimesSigtermBehaviour()
    {
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=60s", Paths.Probe, "no-token");
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);

        run.Signal(Posix.SIGTERM);

        // .NET exits on SIGTERM with 143 by default; far sooner than the 60 s timeout.
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(20)), Is.EqualTo(143), run.Transcript());
        Assert.That(run.Stderr, Is.Empty);
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void RepeatedSigterm_DoesNotEscalate()
    {
        using var run = LauncherRun.Start("--workers=1", "--shutdown-timeout=30s", Paths.Probe, "wait-shutdown");
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 2);
        run.Signal(Posix.SIGTERM);
        run.Signal(Posix.SIGTERM);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines.Count(l => l.StartsWith("stopped ", StringComparison.Ordinal) && l.EndsWith("by_token=True", StringComparison.Ordinal)),
            Is.EqualTo(2), "both ended through their token, not killed\n" + run.Transcript());
    }

    [Test]
    public void ProcessesIgnoringShutdown_AreKilledAfterTheTimeout()
    {
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=300ms", Paths.Probe, "ignore-shutdown");
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);

        run.Signal(Posix.SIGTERM);

        Assert.That(run.WaitForExit(), Is.EqualTo(128 + Posix.SIGKILL), run.Transcript());
        Assert.That(run.Stderr.Count(l => l.Contains("did not stop within 300ms of shutdown; killed")), Is.EqualTo(3), run.Transcript());
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void SecondSigint_KillsEveryProcessAtOnce()
    {
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=10m", Paths.Probe, "ignore-shutdown");
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);

        run.Signal(Posix.SIGINT);
        // Every process heard the first one (so the launcher handled it) before the second.
        run.WaitForLines(l => l.StartsWith("probe ignoring-shutdown ", StringComparison.Ordinal), 3);
        run.Signal(Posix.SIGINT);

        // Far below the 10-minute shutdown timeout: only the second signal can end it this soon.
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(20)), Is.EqualTo(128 + Posix.SIGINT), run.Transcript());
        Assert.That(run.Stderr, Has.One.Contains("second SIGINT: killing every process"));
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void WorkerFailingDuringShutdown_IsReported_AndDecidesTheExitCode()
    {
        using var run = LauncherRun.Start("--workers=2", Paths.Probe, "fail-at-shutdown");
        Assert.That(run.WaitForExit(), Is.EqualTo(3), "the primary returned 0; worker 1 failed\n" + run.Transcript());
        int workerPid = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);
        Assert.That(run.Stderr, Is.EqualTo(new[] { $"dotnet-workers: worker 1 (pid {workerPid}, role 'worker') exited with code 3 during shutdown" }));
        LauncherRun.AssertAllDead(run.ReportedPids);
    }
}
