namespace DotnetWorkers.LauncherTests;

/// <summary>Like `dotnet`: stdin goes to the primary, stdout and stderr are shared.</summary>
public class StdioTests
{
    [Test]
    public void Stdin_ReachesThePrimary_AndWorkersReadEndOfFile()
    {
        using var run = LauncherRun.StartWithStdin("--workers=2", Paths.Probe, "stdin");
        run.Stdin.WriteLine("hello from the terminal");
        run.Stdin.Close();

        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var stdin = run.ProbeLines.Where(l => l.StartsWith("stdin ", StringComparison.Ordinal)).ToList();
        Assert.That(stdin, Is.EquivalentTo(new[]
        {
            "stdin id=0 line=hello from the terminal", "stdin id=1 line=<eof>", "stdin id=2 line=<eof>",
        }), run.Transcript());
    }
}
