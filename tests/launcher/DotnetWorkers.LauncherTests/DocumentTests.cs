namespace DotnetWorkers.LauncherTests;

/// <summary>
/// The shared document across real processes started by the launcher: concurrent writers
/// lose nothing and keep their order, every process's observer sees every version in order,
/// and a writer SIGKILLed mid-patch leaves a document that is whole and patchable. Run on
/// the probe as a CoreCLR app and published with NativeAOT.
/// </summary>
[TestFixture("CoreCLR")]
[TestFixture("NativeAOT")]
public class DocumentTests(string runtime)
{
    private string Probe => runtime == "NativeAOT" ? Paths.NativeAot("ClusterProbe") : Paths.Probe;

    [Test]
    public void FourProcessesPatchingOneDocument_LoseNoIncrement_KeepEachWritersOrder_AndEveryObserverSeesEveryVersion()
    {
        const int Patches = 200;
        using var run = LauncherRun.Start("--workers=3", Probe, "document-concurrent", Patches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        for (int id = 0; id < 4; id++)
        {
            Assert.That(run.ProbeLines, Does.Contain($"doc-observed id={id} changes={4 * Patches} in-order=True"), run.Transcript());
        }

        Assert.That(run.ProbeLines, Does.Contain($"doc-final version={4 * Patches} count={4 * Patches} log={4 * Patches} writers-in-order=True"), run.Transcript());
        LauncherRun.AssertAllDead(run.ReportedPids);
    }

    [Test]
    public void AWriterSigkilledMidPatch_LeavesTheDocumentWhole_AndItsRevivalPatchesOn()
    {
        using var run = LauncherRun.Start("--workers=1", "--on-worker-exit=revive", Probe, "document-kill");
        run.WaitForLines(l => l == "probe doc-patching id=1", 1);
        int writer = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);
        Thread.Sleep(Random.Shared.Next(100, 400));  // thousands of patches in: the kill lands inside one or between two

        Posix.Kill(writer, Posix.SIGKILL);

        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        string revived = run.ProbeLines.Single(l => l.StartsWith("doc-revived ", StringComparison.Ordinal));
        Assert.That(revived, Does.StartWith("doc-revived whole=True "), run.Transcript());
        long n = long.Parse(revived.Split(' ').Single(f => f.StartsWith("n=", StringComparison.Ordinal))[2..]);
        Assert.That(n, Is.GreaterThan(0), "it patched before it died");
        Assert.That(revived, Does.EndWith($"patched-to={n + 1}"), "the next writer went on from the last whole patch");
        LauncherRun.AssertAllDead([.. run.ReportedPids, writer]);
    }
}
