using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// One run of a command (usually the real launcher) with its output collected line by line.
/// Every wait is bounded; disposing kills whatever is still running, the whole tree.
/// </summary>
internal sealed partial class LauncherRun : IDisposable
{
    internal static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _syncDir = Directory.CreateTempSubdirectory("dw-probe-").FullName;

    private LauncherRun(string fileName, IEnumerable<string> arguments, bool redirectStdin, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        // The test host may itself run under a launcher (or systemd) some day: never leak its identity.
        foreach (string name in new[] { "DOTNET_WORKERS_REGION", "DOTNET_WORKERS_ID", "DOTNET_WORKERS_COUNT", "DOTNET_WORKERS_ROLE", "NOTIFY_SOCKET", "SYSTEMD_EXEC_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES" })
        {
            info.Environment.Remove(name);
        }

        // Where ClusterProbe processes leave marker files to wait for each other.
        info.Environment["PROBE_SYNC_DIR"] = _syncDir;
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _stderrClosed);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>dotnet-workers args...</c>.</summary>
    internal static LauncherRun Start(params string[] args) => new(Paths.Launcher, args, redirectStdin: false);

    /// <summary>Starts <c>dotnet-workers args...</c> with these variables added to the test's environment.</summary>
    internal static LauncherRun StartWithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Paths.Launcher, args, redirectStdin: false, environment);

    /// <summary>Starts <c>dotnet-workers args...</c> with stdin connected to the test.</summary>
    internal static LauncherRun StartWithStdin(params string[] args) => new(Paths.Launcher, args, redirectStdin: true);

    /// <summary>Starts any program (e.g. plain <c>dotnet app.dll</c>).</summary>
    internal static LauncherRun StartProgram(string fileName, params string[] args) => new(fileName, args, redirectStdin: false);

    internal int Pid => _process.Id;

    /// <summary>The exit code, once <see cref="WaitForExit"/> returned.</summary>
    internal int ExitCode => _process.ExitCode;

    internal StreamWriter Stdin => _process.StandardInput;

    internal IReadOnlyList<string> Stdout => [.. _stdout];

    internal IReadOnlyList<string> Stderr => [.. _stderr];

    /// <summary>The probe's lines ("probe ..."), without the prefix.</summary>
    internal IReadOnlyList<string> ProbeLines => [.. _stdout.Where(l => l.StartsWith("probe ", StringComparison.Ordinal)).Select(l => l[6..])];

    /// <summary>Parsed "identity" lines: one per process that bound to the cluster.</summary>
    internal IReadOnlyList<IReadOnlyDictionary<string, string>> Identities =>
        [.. ProbeLines.Where(l => l.StartsWith("identity ", StringComparison.Ordinal)).Select(Fields)];

    /// <summary>The pids every probe process reported.</summary>
    internal IReadOnlyList<int> ReportedPids => [.. Identities.Select(f => int.Parse(f["pid"]))];

    internal void Signal(int signal)
    {
        if (Posix.Kill(_process.Id, signal) != 0)
        {
            Assert.Fail($"kill({_process.Id}, {signal}) failed");
        }
    }

    /// <summary>Waits until <paramref name="count"/> stdout lines match, or fails the test.</summary>
    internal void WaitForLines(Func<string, bool> match, int count, TimeSpan? bound = null)
    {
        var clock = Stopwatch.StartNew();
        while (_stdout.Count(match) < count)
        {
            if (clock.Elapsed > (bound ?? DefaultBound))
            {
                Assert.Fail($"timed out waiting for {count} matching lines.\n{Transcript()}");
            }

            if (_process.HasExited && _stdoutClosed.Task.IsCompleted)
            {
                Assert.Fail($"the launcher exited ({_process.ExitCode}) before {count} matching lines.\n{Transcript()}");
            }

            Thread.Sleep(10);
        }
    }

    /// <summary>Waits for the process to exit (and its output to drain); fails the test on timeout.</summary>
    internal int WaitForExit(TimeSpan? bound = null)
    {
        if (!_process.WaitForExit(bound ?? DefaultBound))
        {
            Kill();
            Assert.Fail($"the launcher did not exit within {(bound ?? DefaultBound).TotalSeconds} s.\n{Transcript()}");
        }

        Task.WaitAll([_stdoutClosed.Task, _stderrClosed.Task], TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    /// <summary>Asserts that no process in <paramref name="pids"/> is alive, allowing the kernel a bounded moment.</summary>
    internal static void AssertAllDead(IEnumerable<int> pids, TimeSpan? bound = null)
    {
        var clock = Stopwatch.StartNew();
        int[] list = [.. pids];
        while (list.Any(Posix.IsAlive))
        {
            if (clock.Elapsed > (bound ?? TimeSpan.FromSeconds(5)))
            {
                Assert.Fail($"still alive: {string.Join(", ", list.Where(Posix.IsAlive))}");
            }

            Thread.Sleep(20);
        }
    }

    internal string Transcript() =>
        $"--- stdout ---\n{string.Join('\n', _stdout)}\n--- stderr ---\n{string.Join('\n', _stderr)}";

    /// <summary>"key=value key=value" into a dictionary (values without spaces).</summary>
    internal static IReadOnlyDictionary<string, string> Fields(string line) =>
        FieldPattern().Matches(line).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    [GeneratedRegex(@"(\w+)=(\S*)")]
    private static partial Regex FieldPattern();

    private static void Collect(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            lines.Enqueue(line);
        }
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        // Whatever a failed test left running dies here, not in the next test.
        foreach (int pid in ReportedPids.Where(Posix.IsAlive))
        {
            Posix.Kill(pid, Posix.SIGKILL);
        }

        _process.Dispose();
        Directory.Delete(_syncDir, recursive: true);
    }
}
