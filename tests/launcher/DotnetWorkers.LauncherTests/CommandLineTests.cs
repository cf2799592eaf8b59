namespace DotnetWorkers.LauncherTests;

/// <summary>
/// Bad command lines and apps that cannot run: one clear line on stderr, a non-zero exit,
/// and nothing started.
/// </summary>
public class CommandLineTests
{
    private const int UsageError = 2;
    private const int StartError = 1;

    private static void AssertOneError(LauncherRun run, int exitCode, string message)
    {
        Assert.That(run.WaitForExit(), Is.EqualTo(exitCode), run.Transcript());
        Assert.That(run.Stderr, Has.Count.EqualTo(1), run.Transcript());
        Assert.That(run.Stderr[0], Does.StartWith("dotnet-workers: error: ").And.Contain(message));
        Assert.That(run.Stdout, Is.Empty, "nothing ran");
    }

    [TestCase("--frobnicate", "unknown option '--frobnicate'")]
    [TestCase("--workers=0", "invalid --workers '0'")]
    [TestCase("--workers=abc", "invalid --workers 'abc'")]
    [TestCase("--workers=5000", "invalid --workers '5000'")]
    [TestCase("--memory=1x", "invalid --memory '1x'")]
    [TestCase("--memory=0", "invalid --memory '0'")]
    [TestCase("--shutdown-timeout=soon", "invalid --shutdown-timeout 'soon'")]
    [TestCase("--role=web", "invalid --role 'web'")]
    [TestCase("--memory=8m", "at least 16m")]
    [TestCase("--on-worker-exit=maybe", "invalid --on-worker-exit 'maybe'")]
    [TestCase("--max-restarts=2", "they need --on-worker-exit=revive")]
    [TestCase("--timeout=never", "invalid --timeout 'never'")]
    public void BadOption_IsAUsageError(string option, string message)
    {
        using var run = LauncherRun.Start(option, Paths.Probe, "report");
        AssertOneError(run, UsageError, message);
    }

    [Test]
    public void OptionWithoutItsValue_IsAUsageError()
    {
        using var run = LauncherRun.Start("--workers");
        AssertOneError(run, UsageError, "'--workers' needs a value");
    }

    [Test]
    public void NoApp_IsAUsageError()
    {
        using var run = LauncherRun.Start("--workers=2");
        AssertOneError(run, UsageError, "missing the app");
    }

    [Test]
    public void MissingApp_IsAStartError()
    {
        using var run = LauncherRun.Start("/nonexistent/App.dll");
        AssertOneError(run, StartError, "cannot find the app '/nonexistent/App.dll'");
    }

    [Test]
    public void NativeExecutable_IsNotADotnetApp()
    {
        using var run = LauncherRun.Start("/bin/sh");
        AssertOneError(run, StartError, "'/bin/sh' is not a .NET app");
    }

    [Test]
    public void TextFile_IsNotADotnetApp()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dw-not-an-app-{Guid.NewGuid():N}.dll");
        File.WriteAllText(path, "hello");
        try
        {
            using var run = LauncherRun.Start(path);
            AssertOneError(run, StartError, "is not a .NET app");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ClassLibrary_IsNotAnApp()
    {
        string library = Path.Combine(Path.GetDirectoryName(Paths.Probe)!, "DotnetWorkers.dll");
        using var run = LauncherRun.Start(library);
        AssertOneError(run, StartError, "is a .NET library, not an app");
    }

    // hostfxr explains these in 3 to 16 lines; the launcher's error is one, saying what to do.
    [TestCase("\"version\": \"10.0.0\"", "\"version\": \"99.0.0\"", "needs the Microsoft.NETCore.App 99.0.0 framework, which is not installed (installed: ")]
    [TestCase("Microsoft.NETCore.App", "Contoso.Unknown.App", "needs the Contoso.Unknown.App 10.0.0 framework, which is not installed (no version of Contoso.Unknown.App is)")]
    [TestCase("\"runtimeOptions\"", "\"runtimeOptions\" [", "runtimeconfig.json is not valid: JSON parsing exception")]
    public void AnAppTheRuntimeCannotStart_IsOneLine_WithHostfxrsTextOnlyWithVerbose(string find, string replace, string message)
    {
        string copy = Directory.CreateTempSubdirectory("dw-app-").FullName;
        try
        {
            string probe = Path.GetDirectoryName(Paths.Probe)!;
            foreach (string file in new[] { "ClusterProbe.dll", "ClusterProbe.deps.json", "DotnetWorkers.dll", "MemoryPack.Core.dll" })
            {
                File.Copy(Path.Combine(probe, file), Path.Combine(copy, file));
            }

            string config = File.ReadAllText(Path.Combine(probe, "ClusterProbe.runtimeconfig.json"));
            Assert.That(config, Does.Contain(find));
            File.WriteAllText(Path.Combine(copy, "ClusterProbe.runtimeconfig.json"), config.Replace(find, replace));
            string app = Path.Combine(copy, "ClusterProbe.dll");

            using (var run = LauncherRun.Start(app, "report"))
            {
                AssertOneError(run, StartError, message);
            }

            using var verbose = LauncherRun.Start("--verbose", app, "report");
            Assert.That(verbose.WaitForExit(), Is.EqualTo(StartError), verbose.Transcript());
            Assert.That(verbose.Stderr[0], Does.StartWith("dotnet-workers: error: ").And.Contain(message));
            Assert.That(verbose.Stderr.Skip(1), Is.Not.Empty.And.All.StartWith("  "), "hostfxr's own text, indented, after the line");
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Test]
    public void RegionLargerThanTheAddressSpace_IsAStartError()
    {
        using var run = LauncherRun.Start("--memory=1p", Paths.Probe, "report");
        AssertOneError(run, StartError, "cannot create the shared region");
    }

    [Test]
    public void Help_DescribesEveryOption()
    {
        using var run = LauncherRun.Start("--help");
        Assert.That(run.WaitForExit(), Is.Zero);
        string help = string.Join('\n', run.Stdout);
        foreach (string option in new[]
        {
            "--workers", "--role", "--memory", "--shutdown-timeout", "--on-worker-exit", "--max-restarts", "--restart-window",
            "--timeout", "--spawn", "--verbose", "--version", "DOTNET_WORKERS_ID",
        })
        {
            Assert.That(help, Does.Contain(option));
        }
    }

    [Test]
    public void Version_PrintsOneLine()
    {
        using var run = LauncherRun.Start("--version");
        Assert.That(run.WaitForExit(), Is.Zero);
        Assert.That(run.Stdout, Has.Count.EqualTo(1));
        Assert.That(run.Stdout[0], Does.Match(@"^dotnet-workers \d+\.\d+\.\d+ \(region layout \d+\)$"));
    }

    [Test]
    public void OptionsAfterTheAppsFirstArgument_BelongToTheApp()
    {
        using var run = LauncherRun.Start("--workers=1", Paths.Probe, "report", "0", "--workers=9", "--bogus");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Identities, Has.Count.EqualTo(2));
        Assert.That(run.Identities[0]["args"], Is.EqualTo("0,--workers=9,--bogus"));
    }

    [Test]
    public void TheLaunchersOptionsRightAfterTheApp_AreTheLaunchers_UntilDoubleDash()
    {
        // dotnet-workers app.dll --workers=8: the form the README opens with.
        using (var run = LauncherRun.Start(Paths.Probe, "--workers", "2", "--role=jobs=1", "report", "0", "--workers=9"))
        {
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
            Assert.That(run.Identities, Has.Count.EqualTo(4));
            Assert.That(run.Identities[0]["args"], Is.EqualTo("0,--workers=9"));
        }

        using (var run = LauncherRun.Start(Paths.Probe, "--workers=1", "--", "--workers=9"))
        {
            Assert.That(run.WaitForExit(), Is.EqualTo(64), "the probe's exit code for an action it does not know");
            Assert.That(run.ProbeLines, Has.Member("unknown action --workers=9"), run.Transcript());
        }
    }
}
