namespace DotnetWorkers.LauncherTests;

/// <summary>
/// DotnetWorkers.Hosting in a real cluster (HostingProbe: a Generic Host with
/// UseDotnetWorkers()): the services from DI are the cluster's, a background service runs only
/// in its role, RPC served and called through DI, and the host's lifetime tied to the
/// cluster's both ways.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class HostingTests
{
    private static string HostingProbe => Path.Combine(Paths.RepoRoot, "artifacts", "testapps", "HostingProbe", "HostingProbe.dll");

    [Test]
    public void TheHostRunsAsAClusterMember_ItsRoleServices_ItsRpc_AndItsLifetimeBothWays()
    {
        using var cluster = LauncherRun.Start("--workers=1", "--role", "jobs=1", HostingProbe);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
        List<string> probe = [.. cluster.ProbeLines];

        // DI's store is the cluster's: the primary saw all three processes count themselves.
        Assert.That(probe, Is.SupersetOf(new[] { "started 0 primary", "started 1 worker", "started 2 jobs" }), cluster.Transcript());

        // AddWorkerService<T>(role: "jobs"): in the jobs worker only.
        Assert.That(probe.Where(l => l.StartsWith("role-service ", StringComparison.Ordinal)), Is.EqualTo(new[] { "role-service 2 jobs" }));

        // AddRpcService<IEcho, Echo>(role: "jobs") serves it there; AddRpcProxy<IEcho>() calls it.
        Assert.That(probe, Has.Member("echo hi from 2 jobs"));

        // A host that stops on its own ends its process as a clean exit; the cluster runs on.
        Assert.That(probe, Has.Member("worker 1 Exited 0"));
        Assert.That(probe.IndexOf("stopped 1"), Is.LessThan(probe.IndexOf("worker 1 Exited 0")));

        // The primary's host stopping ends the cluster; the jobs worker's host stops on the
        // cluster's ShutdownToken (it would otherwise run on until killed: exit code 137).
        Assert.That(probe, Has.Member("stopped 0").And.Member("stopped 2"));
        Assert.That(cluster.Stderr, Has.None.Contains("killed"), cluster.Transcript());
    }

    [Test]
    public void AFailedBackgroundService_EndsItsProcessWithOne_SoFailAllStopsTheCluster()
    {
        using var cluster = LauncherRun.StartWithEnvironment(
            new Dictionary<string, string> { ["HOSTINGPROBE_FAIL_JOBS"] = "1" }, "--workers=1", "--role", "jobs=1", HostingProbe);
        Assert.That(cluster.WaitForExit(), Is.EqualTo(1), cluster.Transcript());
        Assert.That(cluster.Stderr.Where(l => l.StartsWith("dotnet-workers:", StringComparison.Ordinal)),
            Has.One.Contains("worker 2").And.Contains("role 'jobs'").And.Contains("exited with code 1").And.Contains("stopping the cluster"));
    }

    [Test]
    public void EveryLogMessage_CarriesTheProcessesPlaceInTheCluster_AsItsOuterScope()
    {
        using var cluster = LauncherRun.Start("--workers=1", "--role", "jobs=1", HostingProbe);
        Assert.That(cluster.WaitForExit(), Is.Zero, cluster.Transcript());
        IReadOnlyList<string> stdout = cluster.Stdout;

        // The simple console formatter writes the scopes on the line after the category.
        int message = stdout.ToList().FindIndex(l => l.Trim() == "jobs service running");
        Assert.That(message, Is.GreaterThan(0), cluster.Transcript());
        Assert.That(stdout[message - 1], Does.Match(@"^\s+=> WorkerId:2 Role:jobs ProcessId:\d+$"));
        Assert.That(stdout.Where(l => l.Contains("=> WorkerId:", StringComparison.Ordinal)).Select(l => l.Trim()[..14]).Distinct(),
            Is.EquivalentTo(new[] { "=> WorkerId:0 ", "=> WorkerId:1 ", "=> WorkerId:2 " }));
    }
}
