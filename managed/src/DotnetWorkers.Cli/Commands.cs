using System.Diagnostics;
using System.Globalization;
using DotnetWorkers.Supervision;

namespace DotnetWorkers.Cli;

/// <summary>What each verb does; Program wires them to the command line.</summary>
internal static class Commands
{
    /// <summary>How long ps samples CPU time for its CPU % column.</summary>
    private static readonly TimeSpan CpuSample = TimeSpan.FromMilliseconds(250);

    /// <summary>ps: this user's running clusters.</summary>
    internal static int ListClusters(bool json)
    {
        List<ClusterRegistration> clusters = Registrations.All();
        var rows = new List<ClusterSummary>();
        foreach (ClusterRegistration c in clusters)
        {
            int processes = -1;
            try
            {
                using ClusterView view = ClusterView.Open(c);
                processes = view.Read().Count(r => IsAlive(r.Info));
            }
            catch (RegionMismatchException)
            {
                // Another release's cluster: listed, its processes not counted.
            }
            catch (CliException)
            {
                // Its launcher ended between the listing and the look: listed as it was.
            }

            rows.Add(new ClusterSummary(c.Name, c.Pid, c.App, processes, c.Workers, c.StartedAt, DateTimeOffset.UtcNow - c.StartedAt));
        }

        if (json)
        {
            Console.WriteLine(Output.ToJson(rows));
            return 0;
        }

        if (rows.Count == 0)
        {
            Console.WriteLine("No cluster is running for this user.");
            return 0;
        }

        Console.Write(Output.Table(
            ["NAME", "PID", "PROCESSES", "UPTIME", "APP"],
            rows.Select(r => (IReadOnlyList<string>)[r.Name, Num(r.Pid), r.Processes < 0 ? "?" : Num(r.Processes), Output.Duration(r.Uptime), r.App])));
        return 0;
    }

    /// <summary>ps NAME|PID: one cluster's processes, as pm2 list shows them.</summary>
    internal static int ShowCluster(string nameOrPid, bool json)
    {
        using ClusterView view = Open(nameOrPid);
        view.Read();
        Thread.Sleep(CpuSample);
        List<ProcessRow> rows = view.Read();
        Console.Write(json ? Output.ToJson(rows.Select(r => ProcessReport.From(r.Info, r.CpuPercent))) + "\n" : ProcessTable(rows));
        return 0;
    }

    /// <summary>The table of ps NAME and top.</summary>
    internal static string ProcessTable(IEnumerable<ProcessRow> rows) => Output.Table(
        ["ID", "ROLE", "PID", "STATUS", "UPTIME", "RESTARTS", "CPU%", "RSS", "GC HEAP", "CALLS", "INBOX"],
        rows.Select(r => (IReadOnlyList<string>)
        [
            Num(r.Info.Id), r.Info.Role, Num(r.Info.ProcessId), Output.Status(r.Info),
            r.Info.StartedAt is { } started && IsAlive(r.Info) ? Output.Duration(DateTimeOffset.UtcNow - started) : "-",
            Num(r.Info.Restarts),
            r.CpuPercent is { } cpu ? cpu.ToString("F1", CultureInfo.InvariantCulture) : "-",
            Output.Bytes(r.Info.MemoryBytes), Output.Bytes(r.Info.GcHeapBytes), Num(r.Info.CallsServed), Num(r.Info.InboxDepth),
        ]));

    /// <summary>stop NAME|PID: a graceful shutdown of the whole cluster (SIGTERM to its launcher), waited for.</summary>
    internal static int Stop(string nameOrPid, TimeSpan wait, bool json)
    {
        ClusterRegistration cluster = Find(nameOrPid);
        if (Posix.kill(cluster.Pid, Posix.SIGTERM) != 0)
        {
            throw new CliException($"cannot signal the launcher (pid {cluster.Pid})");
        }

        var clock = Stopwatch.StartNew();
        while (File.Exists($"/proc/{cluster.Pid}/comm"))
        {
            if (clock.Elapsed > wait)
            {
                throw new CliException($"'{cluster.Name}' (pid {cluster.Pid}) did not stop within {Output.Duration(wait)}; it is still shutting down");
            }

            Thread.Sleep(20);
        }

        Console.WriteLine(json ? Output.ToJson(new { cluster.Name, cluster.Pid, Stopped = true }) : $"Stopped '{cluster.Name}' (pid {cluster.Pid}).");
        return 0;
    }

    /// <summary>restart NAME|PID ID: one worker restarted by its launcher, waited for until the new process runs.</summary>
    internal static int Restart(string nameOrPid, int id, TimeSpan wait, bool json)
    {
        using ClusterView view = Open(nameOrPid);
        ClusterRegistration cluster = view.Cluster;
        WorkerInfo before = view.Read().Select(r => r.Info).FirstOrDefault(w => w.Id == id)
            ?? throw new CliException($"'{cluster.Name}' has no process {id}");
        if (id == 0)
        {
            throw new CliException("process 0 is the primary, the cluster's lifetime: restart the whole cluster instead");
        }

        if (!IsAlive(before))
        {
            throw new CliException($"worker {id} of '{cluster.Name}' is not running ({Output.Status(before)})");
        }

        view.RequestRestart(id);

        var clock = Stopwatch.StartNew();
        while (true)
        {
            WorkerInfo? now = view.Read().Select(r => r.Info).FirstOrDefault(w => w.Id == id);
            if (now is not null && now.Restarts > before.Restarts && now.ProcessId != before.ProcessId && now.ProcessId != 0 &&
                (now.Status == WorkerStatus.Running || (before.Status != WorkerStatus.Running && now.Status == WorkerStatus.Starting)))
            {
                Console.WriteLine(json
                    ? Output.ToJson(new { cluster.Name, Id = id, OldPid = before.ProcessId, NewPid = now.ProcessId, now.Restarts })
                    : $"Restarted worker {id} of '{cluster.Name}': pid {before.ProcessId} -> {now.ProcessId} (restarts: {now.Restarts}).");
                return 0;
            }

            if (clock.Elapsed > wait)
            {
                throw new CliException($"worker {id} of '{cluster.Name}' did not come back within {Output.Duration(wait)} ({(now is null ? "gone" : Output.Status(now))})");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// reload NAME|PID [--role ROLE]: every running worker (of the role) replaced one at a
    /// time by its launcher, each new process ready before its old one stops; waited for
    /// until none of the old processes runs and as many of the role run as before.
    /// </summary>
    internal static int Reload(string nameOrPid, string? role, TimeSpan wait, bool json)
    {
        using ClusterView view = Open(nameOrPid);
        ClusterRegistration cluster = view.Cluster;
        bool Selected(WorkerInfo w) => w.Id != 0 && (role is null || w.Role == role);
        // Starting counts too: a process that never binds to the library stays "starting".
        static bool Serving(WorkerInfo w) => (w.Status == WorkerStatus.Running || w.Status == WorkerStatus.Starting) && IsAlive(w);
        WorkerInfo[] old = [.. view.Read().Select(r => r.Info).Where(w => Selected(w) && Serving(w))];
        if (old.Length == 0)
        {
            throw new CliException(role is null
                ? $"'{cluster.Name}' has no running worker to reload (the primary is the cluster's lifetime: restart the cluster instead)"
                : $"'{cluster.Name}' has no running worker with the role '{role}'");
        }

        foreach (WorkerInfo w in old)
        {
            view.RequestReload(w.Id);
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            WorkerInfo[] now = [.. view.Read().Select(r => r.Info).Where(w => Selected(w) && IsAlive(w))];
            WorkerInfo[] oldLeft = [.. now.Where(w => old.Any(o => o.Id == w.Id && o.ProcessId == w.ProcessId))];
            WorkerInfo[] replacements = [.. now.Where(w => Serving(w) && !old.Any(o => o.ProcessId == w.ProcessId))];
            if (oldLeft.Length == 0 && replacements.Length >= old.Length)
            {
                Console.WriteLine(json
                    ? Output.ToJson(new { cluster.Name, Old = old.Select(w => new { w.Id, Pid = w.ProcessId }), New = replacements.Select(w => new { w.Id, Pid = w.ProcessId }) })
                    : $"Reloaded {old.Length} worker{(old.Length == 1 ? "" : "s")} of '{cluster.Name}': " +
                      $"{string.Join(", ", old.Select(w => $"{w.Id} (pid {w.ProcessId})"))} -> {string.Join(", ", replacements.Select(w => $"{w.Id} (pid {w.ProcessId})"))}.");
                return 0;
            }

            if (clock.Elapsed > wait)
            {
                throw new CliException($"the reload of '{cluster.Name}' did not finish within {Output.Duration(wait)}: " +
                    $"{oldLeft.Length} of {old.Length} old workers still run ({string.Join(", ", oldLeft.Select(w => w.Id))}); the launcher's output says why");
            }

            Thread.Sleep(20);
        }
    }

    internal static ClusterView Open(string nameOrPid)
    {
        ClusterRegistration cluster = Find(nameOrPid);
        try
        {
            return ClusterView.Open(cluster);
        }
        catch (RegionMismatchException e)
        {
            throw new CliException($"'{cluster.Name}' was started by another release of dotnet-workers (layout {cluster.Layout}): use that release's CLI ({e.Message})");
        }
        catch (DotnetWorkersException e)
        {
            throw new CliException(File.Exists($"/proc/{cluster.Pid}/comm")
                ? $"cannot read '{cluster.Name}' (pid {cluster.Pid}): {e.Message}"
                : $"'{cluster.Name}' (pid {cluster.Pid}) has just ended");
        }
    }

    private static ClusterRegistration Find(string nameOrPid) =>
        Registrations.Find(nameOrPid, out string error) ?? throw new CliException(error);

    private static bool IsAlive(WorkerInfo w) => DotnetWorkers.Supervision.KernelStatistics.IsLive(w);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A failure the CLI reports in one line and exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);

internal sealed record ClusterSummary(string Name, int Pid, string App, int Processes, int Workers, DateTimeOffset StartedAt, TimeSpan Uptime);
