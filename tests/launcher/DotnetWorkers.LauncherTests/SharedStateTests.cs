namespace DotnetWorkers.LauncherTests;

/// <summary>
/// The store, GetOrSet, locks and buffers shared by real processes started by the launcher,
/// including a process killed at the worst moment (--on-worker-exit=continue). Run on the
/// probe as a CoreCLR app and as a NativeAOT executable (artifacts/aot, ./build.sh test).
/// </summary>
[TestFixture("CoreCLR")]
[TestFixture("NativeAOT")]
public class SharedStateTests(string runtime)
{
    private string Probe => runtime == "NativeAOT" ? Paths.NativeAot("ClusterProbe") : Paths.Probe;

    [Test]
    public void Increment_FromEveryProcess_LosesNoUpdate()
    {
        using var run = LauncherRun.Start("--workers=3", Probe, "count", "20000");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("count total=80000"), run.Transcript());
    }

    [Test]
    public void GetOrSet_RunsItsFactoryOnceAcross8Processes()
    {
        using var run = LauncherRun.Start("--workers=7", Probe, "getorset");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var got = run.ProbeLines.Where(l => l.StartsWith("got ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run.ProbeLines, Does.Contain("runs=1"), run.Transcript());
            Assert.That(run.ProbeLines.Count(l => l.StartsWith("computing ", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(got, Has.Count.EqualTo(8));
            Assert.That(got.Select(f => f["value"]).Distinct().Count(), Is.EqualTo(1), "everyone got the one computed value");
        });
    }

    [Test]
    public void GetOrSet_StillCompletes_WhenTheComputingProcessIsKilled()
    {
        using var run = LauncherRun.Start("--workers=3", "--on-worker-exit=continue", Probe, "getorset-takeover");
        run.WaitForLines(l => l == "probe computing id=1", 1);
        int computing = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);

        Posix.Kill(computing, Posix.SIGKILL);

        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var got = run.ProbeLines.Where(l => l.StartsWith("got ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.That(got.Select(f => f["id"]), Is.EquivalentTo(new[] { "0", "2", "3" }), run.Transcript());
        Assert.That(got.Select(f => f["value"]).Distinct().Count(), Is.EqualTo(1), "one survivor took over; all got its value");
        Assert.That(got[0]["value"], Is.Not.EqualTo("never"));
        Assert.That(run.Stderr, Has.One.Contains($"worker 1 (pid {computing}, role 'worker') was killed by SIGKILL; continuing without it"));
    }

    [Test]
    public void Mutex_WhoseOwnerIsKilled_GoesToTheNextAcquirer_WhoIsTold()
    {
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=continue", Probe, "lock-abandon");
        run.WaitForLines(l => l == "probe holding id=1", 1);
        int holder = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);

        Posix.Kill(holder, Posix.SIGKILL);

        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("acquired id=2 abandoned=True"), run.Transcript());
    }

    [Test]
    public void AcquireAsync_IsHandedTheLock_ByAReleaseInAnotherProcess_AndByItsHoldersDeath()
    {
        using var run = LauncherRun.Start("--workers=1", "--on-worker-exit=continue", Probe, "lock-async");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Is.SupersetOf(new[] { "async acquired=True", "async after-death abandoned=True" }), run.Transcript());
    }

    [Test]
    public void ByDefault_AWorkerKilledHoldingALock_StillStopsTheCluster()
    {
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=60s", Probe, "lock-abandon");
        run.WaitForLines(l => l == "probe holding id=1", 1);
        Posix.Kill(int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]), Posix.SIGKILL);
        Assert.That(run.WaitForExit(), Is.EqualTo(128 + Posix.SIGKILL), run.Transcript());
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void ABufferAProcessNeverDisposed_IsGivenBackWhenTheProcessEnds()
    {
        using var run = LauncherRun.Start("--workers=1", Probe, "buffer-leak");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("buffers-after-exit=0"), run.Transcript());
    }

    [Test]
    public void Buffer_WrittenByOneProcess_IsReadByTheOthers_ThenFreed()
    {
        using var run = LauncherRun.Start("--workers=3", Probe, "buffer");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var sums = run.ProbeLines.Where(l => l.StartsWith("checksum ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.That(sums, Has.Count.EqualTo(4), run.Transcript());
        Assert.That(sums.Select(f => f["value"]).Distinct().Count(), Is.EqualTo(1), "the same bytes everywhere");
        Assert.That(sums.Where(f => f["id"] != "0").Select(f => f["length"]), Is.All.EqualTo("1048576"));
        Assert.That(run.ProbeLines, Does.Contain("buffers=0"), "the last holder freed it");
    }
}
