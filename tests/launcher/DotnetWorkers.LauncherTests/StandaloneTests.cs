namespace DotnetWorkers.LauncherTests;

/// <summary>Under plain `dotnet app.dll` a DotnetWorkers app runs as a cluster of one.</summary>
public class StandaloneTests
{
    [Test]
    public void PlainDotnet_RunsTheAppAsACluterOfOne_AndSaysSoOnce()
    {
        using var run = LauncherRun.StartProgram("dotnet", Paths.Probe, "report", "4");
        Assert.That(run.WaitForExit(), Is.EqualTo(4), run.Transcript());

        var identity = run.Identities.Single();
        Assert.Multiple(() =>
        {
            Assert.That(identity["id"], Is.EqualTo("0"));
            Assert.That(identity["primary"], Is.EqualTo("True"));
            Assert.That(identity["standalone"], Is.EqualTo("True"));
            Assert.That(identity["count"], Is.EqualTo("0"));
            Assert.That(identity["role"], Is.EqualTo("primary"));
            Assert.That(run.Stderr, Has.Count.EqualTo(1));
            Assert.That(run.Stderr[0], Does.StartWith("dotnet-workers: running as a cluster of one process"));
        });
    }
}
