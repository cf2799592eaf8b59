namespace DotnetWorkers.LauncherTests;

/// <summary>
/// --data-dir across real clusters: a document patched in a loop survives the whole cluster
/// SIGKILLed (launcher and every process) with every acknowledged patch, whole, and the next
/// cluster goes on from it. Bad directories are one-line errors before anything starts.
/// </summary>
[TestFixture("CoreCLR")]
[TestFixture("NativeAOT")]
public class PersistenceTests(string runtime)
{
    private string Probe => runtime == "NativeAOT" ? Paths.NativeAot("ClusterProbe") : Paths.Probe;

    private string _dataDir = null!;

    [SetUp]
    public void SetUp() => _dataDir = Directory.CreateTempSubdirectory("dw-data-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dataDir, recursive: true);

    [TestCase("interval")]
    [TestCase("patch")]
    public void AClusterSigkilledMidPatching_RestoresEveryAcknowledgedPatch_Whole(string sync)
    {
        long acknowledged;
        int[] pids;
        using (var run = LauncherRun.Start("--workers=1", $"--data-dir={_dataDir}", $"--data-sync={sync}", Probe, "document-persist"))
        {
            run.WaitForLines(l => l == "probe doc-opened version=0 n=0 whole=True", 1);
            // Past a compaction or two (every 256+ patches) so the snapshot and the journal both count.
            run.WaitForLines(l => l.StartsWith("probe doc-persisted version=", StringComparison.Ordinal) && long.Parse(l.Split('=')[1]) >= 600, 1, TimeSpan.FromSeconds(60));
            pids = [.. run.ReportedPids];
            run.Signal(Posix.SIGKILL);
            run.WaitForExit();
            acknowledged = run.ProbeLines.Where(l => l.StartsWith("doc-persisted ", StringComparison.Ordinal)).Max(l => long.Parse(l.Split('=')[1]));
        }

        LauncherRun.AssertAllDead(pids);
        Assert.That(Directory.GetFiles(_dataDir).Select(Path.GetFileName), Is.SupersetOf(new[] { "persisted.snapshot", "persisted.journal" }));

        using var again = LauncherRun.Start("--workers=1", $"--data-dir={_dataDir}", Probe, "document-persist-check");
        Assert.That(again.WaitForExit(), Is.Zero, again.Transcript());
        string opened = again.ProbeLines.Single(l => l.StartsWith("doc-opened ", StringComparison.Ordinal));
        long version = long.Parse(LauncherRun.Fields(opened)["version"]);
        Assert.That(opened, Does.EndWith("whole=True"), again.Transcript());
        Assert.That(version, Is.GreaterThanOrEqualTo(acknowledged), "a patch call that returned is on disk: a crash of processes loses none");
    }
}

/// <summary>--data-dir and --data-sync refused before anything starts.</summary>
public class PersistenceOptionTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("dw-data-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ADataDirThatIsAFile_IsAOneLineErrorBeforeAnythingStarts()
    {
        string file = Path.Combine(_dir, "not-a-directory");
        File.WriteAllText(file, "x");
        using var run = LauncherRun.Start("--workers=1", $"--data-dir={file}", Paths.Probe, "document-persist-check");
        Assert.That(run.WaitForExit(), Is.EqualTo(1));
        Assert.That(run.Stderr, Has.Count.EqualTo(1).And.Some.StartsWith($"dotnet-workers: error: --data-dir {file}:"), run.Transcript());
        Assert.That(run.ProbeLines, Is.Empty, "no process started");
    }

    [Test]
    public void ADataDirInUseByAnotherCluster_IsAOneLineError_UntilThatClusterStops()
    {
        using (var first = LauncherRun.StartWithStdin(["--workers=1", $"--data-dir={_dir}", Paths.Probe, "document-serve"]))
        {
            first.WaitForLines(l => l == "probe doc-serving", 1);
            using var second = LauncherRun.Start("--workers=1", $"--data-dir={_dir}", Paths.Probe, "document-persist-check");
            Assert.That(second.WaitForExit(), Is.EqualTo(1));
            Assert.That(second.Stderr, Is.EqualTo(new[] { $"dotnet-workers: error: --data-dir {_dir} is in use by another cluster (launcher pid {first.Pid})" }), second.Transcript());
            Assert.That(second.ProbeLines, Is.Empty, "no process of the second cluster started");
            first.Stdin.Close();  // the probe's primary stops at the end of its input
            Assert.That(first.WaitForExit(), Is.Zero, first.Transcript());
        }

        // A stopped cluster (or a killed one: the kernel drops an flock with its holder) frees the directory.
        using var third = LauncherRun.Start("--workers=1", $"--data-dir={_dir}", Paths.Probe, "document-persist-check");
        third.WaitForExit();
        Assert.That(third.Stderr, Has.None.Contains("in use"), third.Transcript());
    }

    [Test]
    public void ADataSyncWithoutADataDir_IsAUsageError()
    {
        using var run = LauncherRun.Start("--data-sync=patch", Paths.Probe);
        Assert.That(run.WaitForExit(), Is.EqualTo(2));
        Assert.That(run.Stderr, Has.Some.Contains("--data-sync needs --data-dir"), run.Transcript());
    }

    [Test]
    public void ABadDataSync_IsAUsageError()
    {
        using var run = LauncherRun.Start("--data-sync=sometimes", Paths.Probe);
        Assert.That(run.WaitForExit(), Is.EqualTo(2));
        Assert.That(run.Stderr, Has.Some.Contains("invalid --data-sync 'sometimes'"), run.Transcript());
    }
}
