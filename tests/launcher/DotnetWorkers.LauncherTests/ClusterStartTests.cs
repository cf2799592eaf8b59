namespace DotnetWorkers.LauncherTests;

/// <summary>The launcher starts the primary and N workers, each knowing who it is.</summary>
public class ClusterStartTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void Workers_StartAsDistinctProcessesWithIds0ToN(bool spawn)
    {
        string[] options = spawn ? ["--spawn", "--workers=3"] : ["--workers=3"];
        using var run = LauncherRun.Start([.. options, Paths.Probe, "report"]);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());

        var ids = run.Identities;
        Assert.Multiple(() =>
        {
            Assert.That(ids.Select(f => int.Parse(f["id"])), Is.EquivalentTo(new[] { 0, 1, 2, 3 }), run.Transcript());
            Assert.That(run.ReportedPids.Distinct().Count(), Is.EqualTo(4), "one OS process each");
            Assert.That(run.ReportedPids, Does.Not.Contain(run.Pid), "the launcher runs no managed code");
            foreach (var f in ids)
            {
                bool primary = f["id"] == "0";
                Assert.That(f["primary"], Is.EqualTo(primary ? "True" : "False"));
                Assert.That(f["role"], Is.EqualTo(primary ? "primary" : "worker"));
                Assert.That(f["count"], Is.EqualTo("3"));
                Assert.That(f["standalone"], Is.EqualTo("False"));
                Assert.That(f["env_id"], Is.EqualTo(f["id"]), "DOTNET_WORKERS_ID");
                Assert.That(f["env_count"], Is.EqualTo("3"), "DOTNET_WORKERS_COUNT");
                Assert.That(f["env_role"], Is.EqualTo(f["role"]), "DOTNET_WORKERS_ROLE");
                Assert.That(f["region_fds"], Is.EqualTo("1"), "the region's memfd, once");
            }
        });
    }

    [Test]
    public void ProcessTable_ListsEveryProcessRunningWithItsPidAndRole()
    {
        using var run = LauncherRun.Start("--workers=2", "--role", "web=2", "--role=jobs=1", Paths.Probe, "report");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());

        var pidsById = run.Identities.ToDictionary(f => f["id"], f => f["pid"]);
        var table = run.ProbeLines.Where(l => l.StartsWith("table ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.That(table.Select(t => (t["id"], t["role"], t["status"])), Is.EqualTo(new[]
        {
            ("0", "primary", "Running"), ("1", "worker", "Running"), ("2", "worker", "Running"),
            ("3", "web", "Running"), ("4", "web", "Running"), ("5", "jobs", "Running"),
        }), run.Transcript());
        Assert.That(table.Select(t => t["pid"]), Is.EqualTo(table.Select(t => pidsById[t["id"]])));
        Assert.That(run.Identities.Select(f => f["count"]).Distinct(), Is.EqualTo(new[] { "5" }));
    }

    [Test]
    public void WithoutWorkersOption_StartsOneWorkerPerCore()
    {
        using var run = LauncherRun.Start(Paths.Probe, "report");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Identities, Has.Count.EqualTo(OnlineCpus() + 1));
    }

    [Test]
    public void AppWithoutTheLibrary_SeesWhoItIsInItsEnvironment()
    {
        using var run = LauncherRun.Start("--workers=2", Paths.Probe, "plain");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var plain = run.ProbeLines.Where(l => l.StartsWith("plain ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.That(plain.Select(f => (f["env_id"], f["env_count"], f["env_role"])),
            Is.EquivalentTo(new[] { ("0", "2", "primary"), ("1", "2", "worker"), ("2", "2", "worker") }), run.Transcript());
    }

    [TestCase(false)]
    [TestCase(true)]
    public void EveryProcess_MapsTheRegionAtTheSameAddress(bool spawn)
    {
        string[] options = spawn ? ["--spawn", "--workers=2"] : ["--workers=2"];
        using var run = LauncherRun.Start([.. options, Paths.Probe, "wait-shutdown"]);
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);

        var addresses = run.ReportedPids.Select(RegionMapping).ToList();
        Assert.That(addresses.Distinct().Count(), Is.EqualTo(1), string.Join(", ", addresses));
        Assert.That(addresses[0], Is.Not.Null);

        run.Signal(Posix.SIGTERM);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
    }

    [Test]
    public void ProgramStartedByAClusterProcess_IsNotPartOfTheCluster()
    {
        using var run = LauncherRun.Start("--workers=1", Paths.Probe, "run-child");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        string? child = run.ProbeLines.FirstOrDefault(l => l.StartsWith("child-out probe identity", StringComparison.Ordinal));
        Assert.That(child, Is.Not.Null, run.Transcript());
        var fields = LauncherRun.Fields(child!);
        Assert.Multiple(() =>
        {
            Assert.That(fields["standalone"], Is.EqualTo("True"));
            Assert.That(fields["region_fds"], Is.EqualTo("0"), "the region's fd is close-on-exec");
            Assert.That(run.ProbeLines, Has.Some.Contains("child-err dotnet-workers: running as a cluster of one").And.Contains("inherited"));
        });
    }

    [Test]
    public void HelloSample_RunsThroughTheLauncher()
    {
        using var run = LauncherRun.Start("--workers=3", Paths.Sample("Hello"));
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Stdout.Count(l => l.StartsWith("Hello from worker", StringComparison.Ordinal)), Is.EqualTo(3), run.Transcript());
        Assert.That(run.Stdout, Has.One.StartsWith("Hello from primary 0"));
        Assert.That(run.Stdout, Has.One.StartsWith("3 workers"));
    }

    [Test]
    public void FileCacheSample_ReadsEachFileOnceInTheWholeCluster()
    {
        using var run = LauncherRun.Start("--workers=4", Paths.Sample("FileCache"));
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.Multiple(() =>
        {
            Assert.That(run.Stdout.Count(l => l.StartsWith("Reading ", StringComparison.Ordinal)), Is.EqualTo(2), run.Transcript());
            Assert.That(run.Stdout.Count(l => l.StartsWith("Got ", StringComparison.Ordinal)), Is.EqualTo(10));
            Assert.That(run.Stdout.Count(l => l.EndsWith("was read 1 time(s) by 5 processes", StringComparison.Ordinal)), Is.EqualTo(2));
        });
    }

    /// <summary>The start address of the region's mapping in process <paramref name="pid"/>.</summary>
    private static string? RegionMapping(int pid) =>
        File.ReadLines($"/proc/{pid}/maps")
            .FirstOrDefault(l => l.EndsWith("/memfd:dotnet-workers (deleted)", StringComparison.Ordinal))
            ?.Split('-')[0];

    /// <summary>What sysconf(_SC_NPROCESSORS_ONLN) counts: the ranges in /sys/devices/system/cpu/online.</summary>
    private static int OnlineCpus() =>
        File.ReadAllText("/sys/devices/system/cpu/online").Trim().Split(',')
            .Sum(range => range.Contains('-') ? int.Parse(range.Split('-')[1]) - int.Parse(range.Split('-')[0]) + 1 : 1);
}
