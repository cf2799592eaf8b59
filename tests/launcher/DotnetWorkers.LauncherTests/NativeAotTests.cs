namespace DotnetWorkers.LauncherTests;

/// <summary>
/// NativeAOT apps as clusters: `dotnet-workers ./app`, where the app is an executable
/// published with PublishAot (./build.sh test publishes these into artifacts/aot/), is
/// exec'd in every process with the region handed over, and everything a CoreCLR cluster
/// does works (MessagingTests and SharedStateTests run on the NativeAOT probes and samples
/// too); here, what is particular to an exec'd process: binding, and crash-fails-all.
/// </summary>
public class NativeAotTests
{
    [Test]
    public void AWorkerOfANativeAotCluster_KilledWithSigkill_StopsTheClusterAtOnce()
    {
        using var run = LauncherRun.Start("--workers=3", "--shutdown-timeout=60s", Paths.NativeAot("ClusterProbe"), "crash", "sigkill");
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(137), run.Transcript());
        int workerPid = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);
        Assert.That(run.Stderr, Has.One.Contains($"worker 1 (pid {workerPid}").And.Contain("was killed by SIGKILL"), run.Transcript());
        Assert.That(run.Identities, Has.Count.EqualTo(4), "every process bound to the region");
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void EveryProcessOfANativeAotCluster_BindsToTheCluster_AndSeesTheOthersInTheProcessTable()
    {
        using var run = LauncherRun.Start("--workers=2", Paths.NativeAot("ClusterProbe"), "report");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Identities, Has.Count.EqualTo(3), run.Transcript());
        Assert.That(run.Identities.Select(f => f["standalone"]), Is.All.EqualTo("False"), "bound to the launcher's region, not a cluster of one");
        Assert.That(run.Identities.Select(f => f["count"]), Is.All.EqualTo("2"));
        Assert.That(run.ProbeLines.Count(l => l.StartsWith("table ", StringComparison.Ordinal)), Is.EqualTo(3), run.Transcript());
    }
}
