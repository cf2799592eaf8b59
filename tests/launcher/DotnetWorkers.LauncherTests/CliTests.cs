using System.Diagnostics;
using System.Text.Json;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// dotnet-workers ps, inspect, top, stop and restart against live clusters started by the
/// real launcher; each test names its cluster so that no other one is mistaken for it.
/// </summary>
public class CliTests
{
    private static string UniqueName() => $"cli-{Guid.NewGuid():N}"[..16];

    /// <summary>Runs the CLI to its end; exit code and output.</summary>
    private static LauncherRun Cli(params string[] args)
    {
        var run = LauncherRun.Start(args);
        run.WaitForExit();
        return run;
    }

    /// <summary>Starts the probe as a cluster named <paramref name="name"/> and waits until every process runs the scenario.</summary>
    private static LauncherRun StartCluster(string name, int workers, string scenario, Func<string, bool> ready, int readyLines)
    {
        var cluster = LauncherRun.Start("--name", name, $"--workers={workers}", Paths.Probe, scenario);
        cluster.WaitForLines(ready, readyLines);
        return cluster;
    }

    [Test]
    public void Ps_ListsTheCluster_AndShowsItsProcesses_AsATableAndAsJson()
    {
        string name = UniqueName();
        using LauncherRun cluster = StartCluster(name, 2, "wait-shutdown", l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);
        try
        {
            using LauncherRun list = Cli("ps");
            Assert.That(list.WaitForExit(), Is.Zero, list.Transcript());
            Assert.That(list.Stdout[0], Does.Match(@"^NAME\s+PID\s+PROCESSES\s+UPTIME\s+APP$"));
            Assert.That(list.Stdout, Has.One.Match($@"^{name}\s+{cluster.Pid}\s+3\s+\d+s\s+/.*ClusterProbe\.dll$"), list.Transcript());

            using LauncherRun table = Cli("ps", name);
            Assert.That(table.WaitForExit(), Is.Zero, table.Transcript());
            Assert.That(table.Stdout[0], Does.Match(@"^ID\s+ROLE\s+PID\s+STATUS\s+UPTIME\s+RESTARTS\s+CPU%\s+RSS\s+GC HEAP\s+CALLS\s+INBOX$"));
            foreach (var identity in cluster.Identities)
            {
                Assert.That(table.Stdout, Has.One.Match($@"^{identity["id"]}\s+{identity["role"]}\s+{identity["pid"]}\s+idle\s+\d+s\s+0\s+\d+\.\d\s+[\d.]+ MiB\s+[\d.]+ [KM]iB\s+0\s+0$"), table.Transcript());
            }

            using LauncherRun byPid = Cli("ps", cluster.Pid.ToString(), "--json");
            using JsonDocument json = JsonDocument.Parse(string.Join('\n', byPid.Stdout));
            Assert.That(json.RootElement.GetArrayLength(), Is.EqualTo(3));
            JsonElement worker = json.RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetInt32() == 2);
            Assert.That(worker.GetProperty("role").GetString(), Is.EqualTo("worker"));
            Assert.That(worker.GetProperty("status").GetString(), Is.EqualTo("idle"));
            Assert.That(worker.GetProperty("memoryBytes").GetInt64(), Is.GreaterThan(1_000_000));
            Assert.That(worker.GetProperty("gcHeapBytes").GetInt64(), Is.GreaterThan(0));
            Assert.That(worker.GetProperty("restarts").GetInt32(), Is.Zero);
        }
        finally
        {
            cluster.Signal(Posix.SIGTERM);
            cluster.WaitForExit();
        }

        using LauncherRun after = Cli("ps", "--json");
        Assert.That(string.Join('\n', after.Stdout), Does.Not.Contain(name), "the registration went with the launcher");
    }

    [Test]
    public void Inspect_ListsKeysBuffersLocksQueuesAndServices()
    {
        string name = UniqueName();
        using LauncherRun cluster = StartCluster(name, 1, "populate", l => l == "probe populated", 1);
        try
        {
            using LauncherRun text = Cli("inspect", name);
            Assert.That(text.WaitForExit(), Is.Zero, text.Transcript());
            Assert.That(text.Stdout, Does.Contain("Store (3 keys):"));
            Assert.That(text.Stdout, Has.One.Match(@"^user:2\s+\d+ B\s+9m\d+s$"), "a key with its size and expiry");
            Assert.That(text.Stdout, Has.One.Match(@"^frame\s+4\.0 KiB\s+1$"));
            Assert.That(text.Stdout, Has.One.Match(@"^m\s+mutex\s+held by process 1\s+0$"));
            Assert.That(text.Stdout, Has.One.Match(@"^jobs\s+3\s+16\s+no$"));
            Assert.That(text.Stdout, Has.One.Match(@"^rpc\s+IStatisticsProbe\s+1$"));
            Assert.That(text.Stdout, Has.One.Match(@"^topic\s+news\s+0$"));

            using LauncherRun json = Cli("inspect", name, "--prefix", "user:", "--json");
            using JsonDocument report = JsonDocument.Parse(string.Join('\n', json.Stdout));
            Assert.That(report.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("key").GetString()),
                Is.EqualTo(new[] { "user:1", "user:2" }));
            Assert.That(report.RootElement.GetProperty("locks")[0].GetProperty("holder").GetInt32(), Is.EqualTo(1));
        }
        finally
        {
            cluster.Signal(Posix.SIGTERM);
            cluster.WaitForExit();
        }
    }

    [Test]
    public void Stop_EndsTheClusterGracefully_AndRestart_BringsBackOneWorker()
    {
        string name = UniqueName();
        using LauncherRun cluster = StartCluster(name, 2, "wait-shutdown", l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);
        int before = int.Parse(cluster.Identities.Single(f => f["id"] == "2")["pid"]);

        using LauncherRun restart = Cli("restart", name, "2");
        Assert.That(restart.WaitForExit(), Is.Zero, restart.Transcript());
        cluster.WaitForLines(l => l.StartsWith("probe identity id=2 ", StringComparison.Ordinal), 2);  // the new process prints once it bound
        int after = int.Parse(cluster.Identities.Last(f => f["id"] == "2")["pid"]);
        Assert.That(after, Is.Not.EqualTo(before));
        Assert.That(restart.Stdout, Is.EqualTo(new[] { $"Restarted worker 2 of '{name}': pid {before} -> {after} (restarts: 1)." }));

        using LauncherRun primary = Cli("restart", name, "0");
        Assert.That(primary.WaitForExit(), Is.EqualTo(1));
        Assert.That(primary.Stderr, Is.EqualTo(new[] { "dotnet-workers: error: process 0 is the primary, the cluster's lifetime: restart the whole cluster instead" }));

        using LauncherRun stop = Cli("stop", name, "--json");
        Assert.That(stop.WaitForExit(), Is.Zero, stop.Transcript());
        Assert.That(cluster.WaitForExit(), Is.Zero, "a graceful stop: every process saw its token");
        Assert.That(cluster.ProbeLines.Count(l => l.StartsWith("stopped ", StringComparison.Ordinal) && l.EndsWith("by_token=True", StringComparison.Ordinal)), Is.EqualTo(4),
            "the three processes, and worker 2's first process when it was restarted: " + cluster.Transcript());
        using JsonDocument json = JsonDocument.Parse(string.Join('\n', stop.Stdout));
        Assert.That(json.RootElement.GetProperty("stopped").GetBoolean(), Is.True);
        LauncherRun.AssertAllDead([.. cluster.ReportedPids]);
    }

    [TestCase("ps")]
    [TestCase("stop")]
    [TestCase("inspect")]
    public void AClusterThatIsNotRunning_IsOneLine_NamingTheRunningOnes(string verb)
    {
        using LauncherRun run = Cli(verb, "no-such-cluster");
        Assert.That(run.WaitForExit(), Is.EqualTo(1));
        Assert.That(run.Stderr, Has.Count.EqualTo(1), run.Transcript());
        Assert.That(run.Stderr[0], Does.StartWith("dotnet-workers: error: no running cluster is named 'no-such-cluster'"));
    }

    [Test]
    public void Top_RedrawsTheTableInATerminal_UntilQ()
    {
        string name = UniqueName();
        string session = "dw-" + name;
        using LauncherRun cluster = StartCluster(name, 1, "wait-shutdown", l => l.StartsWith("probe ready ", StringComparison.Ordinal), 2);
        try
        {
            Tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "30", $"{Paths.Launcher} top {name}");
            string screen = WaitForScreen(session, s => s.Contains("ID  ROLE", StringComparison.Ordinal) && s.Contains(" worker ", StringComparison.Ordinal));
            Assert.That(screen, Does.Contain($"dotnet-workers top: '{name}'"));
            Assert.That(screen, Does.Match(@"1\s+worker\s+\d+\s+idle"));

            Tmux("send-keys", "-t", session, "q");
            var clock = Stopwatch.StartNew();
            while (Tmux("has-session", "-t", session) == 0)
            {
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "q ends top");
                Thread.Sleep(50);
            }
        }
        finally
        {
            Tmux("kill-session", "-t", session);
            cluster.Signal(Posix.SIGTERM);
            cluster.WaitForExit();
        }
    }

    [Test]
    public void AClusterOfAnotherUser_IsRefused()
    {
        if (Posix.GetUid() != 0)
        {
            Assert.Ignore("running the CLI as another user needs root (setpriv)");
        }

        string name = UniqueName();
        using LauncherRun cluster = StartCluster(name, 1, "wait-shutdown", l => l.StartsWith("probe ready ", StringComparison.Ordinal), 2);
        try
        {
            // nobody asks for root's cluster by its launcher's pid.
            using LauncherRun run = LauncherRun.StartProgram("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Paths.Launcher, "ps", cluster.Pid.ToString());
            Assert.That(run.WaitForExit(), Is.EqualTo(1), run.Transcript());
            Assert.That(run.Stderr, Is.EqualTo(new[] { $"dotnet-workers: error: process {cluster.Pid} runs as another user (uid 0): the CLI reads only this user's clusters" }), run.Transcript());
        }
        finally
        {
            cluster.Signal(Posix.SIGTERM);
            cluster.WaitForExit();
        }
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AClusterOfAnotherRelease_IsNamedAsSuch()
    {
        // A registration that looks like this test's own process's, whose region file has a
        // header of another layout version: what the CLI of one release sees of another's cluster.
        string name = UniqueName();
        string regionPath = Path.Combine(Path.GetTempPath(), name + ".region");
        string registration = Path.Combine(RegistrationDirectory(), $"{Environment.ProcessId}.cluster");
        using var region = new FileStream(regionPath, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite, 4096, FileOptions.DeleteOnClose);
        try
        {
            byte[] header = new byte[4096];
            BitConverter.TryWriteBytes(header.AsSpan(0), 0x4E4F494745525744UL);  // "DWREGION"
            BitConverter.TryWriteBytes(header.AsSpan(8), 99u);                   // layout version
            BitConverter.TryWriteBytes(header.AsSpan(16), 16UL << 20);           // region size
            region.Write(header);
            region.SetLength(16L << 20);
            region.Flush();
            Directory.CreateDirectory(RegistrationDirectory(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);  // as the launcher makes it
            File.WriteAllLines(registration,
            [
                $"name={name}", $"pid={Environment.ProcessId}", $"region_fd={region.SafeFileHandle.DangerousGetHandle()}", "app=/old/App.dll",
                "workers=1", "started_unix_ms=0", "layout=99", $"start_ticks={OwnStartTicks()}",
            ]);

            using LauncherRun run = Cli("ps", name);
            Assert.That(run.WaitForExit(), Is.EqualTo(1), run.Transcript());
            Assert.That(run.Stderr, Has.Count.EqualTo(1), run.Transcript());
            Assert.That(run.Stderr[0], Does.StartWith($"dotnet-workers: error: '{name}' was started by another release of dotnet-workers (layout 99): use that release's CLI"));
        }
        finally
        {
            File.Delete(registration);
        }
    }

    /// <summary>Where the launcher registers clusters (as the CLI reads it).</summary>
    private static string RegistrationDirectory() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && runtime[0] == '/'
            ? Path.Combine(runtime, "dotnet-workers")
            : $"/tmp/dotnet-workers-{Posix.GetUid()}";

    /// <summary>This process's start time in clock ticks since boot (/proc/self/stat field 22).</summary>
    private static string OwnStartTicks()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
    }

    private static int Tmux(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("tmux", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.WaitForExit(10_000);
        return process.ExitCode;
    }

    private static string WaitForScreen(string session, Func<string, bool> shows)
    {
        var clock = Stopwatch.StartNew();
        string screen = "";
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var capture = Process.Start(new ProcessStartInfo("tmux", ["capture-pane", "-p", "-t", session]) { RedirectStandardOutput = true })!;
            screen = capture.StandardOutput.ReadToEnd();
            capture.WaitForExit(5_000);
            if (shows(screen))
            {
                return screen;
            }

            Thread.Sleep(100);
        }

        Assert.Fail($"top never showed the table:\n{screen}");
        return screen;
    }
}
