namespace DotnetWorkers.LauncherTests;

/// <summary>
/// NativeAOT apps as clusters: `dotnet-workers ./app`, where the app is an executable
/// published with PublishAot (./build.sh test publishes these into artifacts/aot/), is
/// exec'd in every process with the region handed over, and everything a CoreCLR cluster
/// does works: RPC through the generated proxies, queues, the store, crash-fails-all.
/// </summary>
public class NativeAotTests
{
    [Test]
    public void FibSample_PublishedWithNativeAot_WorkersComputeAndThePrimaryPrintsTheResults()
    {
        using var run = LauncherRun.Start("--workers=4", Paths.NativeAot("Fib"));
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Stdout.Count(l => l.StartsWith("Computing fib(", StringComparison.Ordinal) && l.Contains(" in process ")), Is.EqualTo(5), run.Transcript());
        Assert.That(run.Stdout, Is.SupersetOf(new[] { "fib(10) = 55", "fib(15) = 610", "fib(20) = 6765", "fib(25) = 75025", "fib(30) = 832040" }));
    }

    [Test]
    public void JobQueueSample_PublishedWithNativeAot_EveryJobIsDoneOnce_AndTheTotalIsRight()
    {
        using var run = LauncherRun.Start("--workers=3", Paths.NativeAot("JobQueue"));
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, run.Transcript());
        Assert.That(run.Stdout, Does.Contain("20 jobs done: 283146 primes below 4000000"), run.Transcript());
    }

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
