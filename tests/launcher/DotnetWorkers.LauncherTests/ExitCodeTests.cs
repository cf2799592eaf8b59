namespace DotnetWorkers.LauncherTests;

/// <summary>The launcher's exit code and the workers' lifetime follow the primary.</summary>
public class ExitCodeTests
{
    [TestCase(0)]
    [TestCase(7)]
    [TestCase(255)]
    public void PrimaryExitCode_IsTheLaunchersExitCode(int code)
    {
        using var run = LauncherRun.Start("--workers=2", Paths.Probe, "report", code.ToString());
        Assert.That(run.WaitForExit(), Is.EqualTo(code), run.Transcript());
        Assert.That(run.Stderr, Is.Empty);
        Assert.That(run.Identities, Has.Count.EqualTo(3));
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void Workers_OutliveTheirMain_UntilThePrimaryEnds()
    {
        using var run = LauncherRun.Start("--workers=2", Paths.Probe, "primary-exits", "5");
        Assert.That(run.WaitForExit(), Is.EqualTo(5), run.Transcript());

        foreach (int id in new[] { 1, 2 })
        {
            var lines = run.ProbeLines.ToList();
            int returned = lines.IndexOf($"main-returning id={id}");
            int stopped = lines.IndexOf($"stopped id={id}");
            Assert.That(returned, Is.GreaterThanOrEqualTo(0), run.Transcript());
            Assert.That(stopped, Is.GreaterThan(returned), $"worker {id} saw the shutdown after its Main returned\n{run.Transcript()}");
        }

        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void WorkerEndingCleanly_LeavesTheClusterRunning()
    {
        using var run = LauncherRun.Start("--workers=2", Paths.Probe, "worker-exits-early");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Stderr, Is.Empty);
        var table = run.ProbeLines.Where(l => l.StartsWith("table ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.That(table.Select(t => (t["id"], t["status"], t["exit"])),
            Is.EqualTo(new[] { ("0", "Running", "none"), ("1", "Exited", "0"), ("2", "Running", "none") }), run.Transcript());
    }
}
