namespace DotnetWorkers.LauncherTests;

/// <summary>
/// Crash-fails-all: a process that dies abnormally stops the whole cluster at once, with
/// one line naming it, a non-zero exit, and no survivor.
/// </summary>
public class CrashTests
{
    [TestCase("segv", 139, "was killed by SIGSEGV")]
    [TestCase("failfast", 134, "was killed by SIGABRT")]
    [TestCase("exit3", 3, "exited with code 3")]
    public void WorkerDying_StopsTheClusterAtOnce(string how, int exitCode, string cause)
    {
        // A long shutdown timeout: the cluster must stop because of the crash, not a timer.
        using var run = LauncherRun.Start("--workers=3", "--shutdown-timeout=60s", Paths.Probe, "crash", how);
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(exitCode), run.Transcript());

        int workerPid = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);
        string[] launcherLines = [.. run.Stderr.Where(l => l.StartsWith("dotnet-workers:", StringComparison.Ordinal))];
        Assert.That(launcherLines, Has.Length.EqualTo(1), run.Transcript());
        Assert.That(launcherLines[0], Does.Contain($"worker 1 (pid {workerPid}").And.Contain(cause).And.Contain("stopping the cluster"));
        Assert.That(run.Identities, Has.Count.EqualTo(4));
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void PrimaryKilledBySignal_StopsTheWorkersAtOnce()
    {
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=60s", Paths.Probe, "crash", "segv", "0");
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(139), run.Transcript());
        int primaryPid = int.Parse(run.Identities.Single(f => f["id"] == "0")["pid"]);
        Assert.That(run.Stderr, Has.One.Contains($"the primary (pid {primaryPid}) was killed by SIGSEGV"));
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void LauncherKilledWithSigkill_LeavesNoProcessBehind()
    {
        var run = LauncherRun.Start("--workers=3", Paths.Probe, "wait-shutdown");
        try
        {
            run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 4);
            IReadOnlyList<int> pids = run.ReportedPids;
            Assert.That(pids.All(Posix.IsAlive), Is.True);

            run.Signal(Posix.SIGKILL);

            LauncherRun.AssertAllDead(pids, TimeSpan.FromSeconds(10));
        }
        finally
        {
            run.Dispose();
        }
    }
}
