namespace DotnetWorkers.LauncherTests;

/// <summary>Like `dotnet`: stdin goes to the primary, stdout and stderr are shared; or, with --output=prefix, labelled whole lines.</summary>
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

    [TestCase("CoreCLR")]
    [TestCase("NativeAOT")]
    public void OutputPrefix_LabelsEveryLineWithItsProcess_AndNeverTearsOrMixesLines(string runtime)
    {
        string probe = runtime == "NativeAOT" ? Paths.NativeAot("ClusterProbe") : Paths.Probe;
        using var run = LauncherRun.Start("--workers=2", "--output=prefix", probe, "chatter");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());

        var line = new System.Text.RegularExpressions.Regex(@"^\[w(\d) (primary|worker)\] probe (chatter|chatter-err) id=(\d) i=(\d+) x{300}$");
        foreach ((IReadOnlyList<string> lines, string kind, int perProcess) in new[] { (run.Stdout, "chatter", 2000), (run.Stderr, "chatter-err", 500) })
        {
            var seen = new Dictionary<string, List<int>>();
            foreach (string text in lines.Where(l => l.Contains(kind + " ", StringComparison.Ordinal)))
            {
                var match = line.Match(text);
                Assert.That(match.Success, Is.True, $"a torn or mixed line: {text}");
                Assert.That(match.Groups[4].Value, Is.EqualTo(match.Groups[1].Value), "labelled with the process that wrote it");
                Assert.That(match.Groups[2].Value, Is.EqualTo(match.Groups[1].Value == "0" ? "primary" : "worker"));
                Assert.That(match.Groups[3].Value, Is.EqualTo(kind), "stdout to stdout, stderr to stderr");
                (seen.TryGetValue(match.Groups[1].Value, out var numbers) ? numbers : seen[match.Groups[1].Value] = []).Add(int.Parse(match.Groups[5].Value));
            }

            Assert.That(seen.Keys.Order(), Is.EqualTo(new[] { "0", "1", "2" }));
            foreach (List<int> numbers in seen.Values)
            {
                Assert.That(numbers, Is.EqualTo(Enumerable.Range(0, perProcess)), "every line, in the order its process wrote them");
            }
        }

        // A last line without a newline still comes out whole, labelled, when the process ends.
        Assert.That(run.Stdout.Where(l => l.Contains("chatter-end", StringComparison.Ordinal)).Order(), Is.EqualTo(new[]
        {
            "[w0 primary] probe chatter-end id=0 (no newline)", "[w1 worker] probe chatter-end id=1 (no newline)", "[w2 worker] probe chatter-end id=2 (no newline)",
        }));
    }
}
