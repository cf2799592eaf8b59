namespace DotnetWorkers.LauncherTests;

/// <summary>DotnetWorkers.Serilog across real processes: each event names the process that wrote it.</summary>
public class SerilogTests
{
    [Test]
    public void EveryProcesssEvents_CarryItsWorkerIdRoleAndPid_UnlessTheEventSetsThemItself()
    {
        using var run = LauncherRun.Start("--workers=1", "--role", "jobs=1", Paths.Probe, "serilog");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());

        Assert.That(run.Identities, Has.Count.EqualTo(3));
        foreach (IReadOnlyDictionary<string, string> process in run.Identities)
        {
            string[] events = [.. run.ProbeLines.Where(l => l.StartsWith($"serilog worker={process["id"]} ", StringComparison.Ordinal))];
            Assert.That(events, Has.Length.EqualTo(2), run.Transcript());
            Assert.That(events[0], Is.EqualTo($"serilog worker={process["id"]} role=\"{process["role"]}\" pid={process["pid"]} message=hello_from_\"here\""));
            Assert.That(events[1], Does.Contain("role=\"overridden\""), "the event's own property is kept");
        }

        Assert.That(run.Identities.Select(p => p["role"]), Is.EquivalentTo(new[] { "primary", "worker", "jobs" }));
    }
}
