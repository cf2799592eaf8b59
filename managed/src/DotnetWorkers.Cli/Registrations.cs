using System.Globalization;

namespace DotnetWorkers.Cli;

/// <summary>One running cluster, as its launcher registered it (docs/protocol.md, "Cluster registrations").</summary>
internal sealed record ClusterRegistration(string Name, int Pid, int RegionFd, string App, int Workers, DateTimeOffset StartedAt, int Layout, ulong StartTicks)
{
    /// <summary>The launcher's region file, which this user (only) can open.</summary>
    internal string RegionPath => $"/proc/{Pid}/fd/{RegionFd}";
}

/// <summary>The clusters this user runs: the launchers' files, those whose launcher is alive.</summary>
internal static class Registrations
{
    /// <summary>The launcher's folder for them: $XDG_RUNTIME_DIR/dotnet-workers, else /tmp/dotnet-workers-UID.</summary>
    internal static string Directory
    {
        get
        {
            string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            return runtime is { Length: > 0 } && runtime[0] == '/'
                ? Path.Combine(runtime, "dotnet-workers")
                : $"/tmp/dotnet-workers-{Posix.getuid()}";
        }
    }

    /// <summary>Every live cluster, oldest first; files of dead launchers are removed.</summary>
    internal static List<ClusterRegistration> All()
    {
        var clusters = new List<ClusterRegistration>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return clusters;
        }

        foreach (string file in System.IO.Directory.GetFiles(Directory, "*.cluster"))
        {
            ClusterRegistration? cluster = Read(file);
            if (cluster is not null && IsLauncher(cluster))
            {
                clusters.Add(cluster);
            }
            else
            {
                TryDelete(file);  // a launcher killed with SIGKILL left it
            }
        }

        return [.. clusters.OrderBy(c => c.StartedAt)];
    }

    /// <summary>The cluster named <paramref name="nameOrPid"/>, or whose launcher has that pid; null with <paramref name="error"/> if none or several.</summary>
    internal static ClusterRegistration? Find(string nameOrPid, out string error)
    {
        List<ClusterRegistration> all = All();
        List<ClusterRegistration> found = int.TryParse(nameOrPid, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            ? [.. all.Where(c => c.Pid == pid)]
            : [.. all.Where(c => c.Name == nameOrPid)];
        error = "";
        if (found.Count == 1)
        {
            return found[0];
        }

        if (found.Count > 1)
        {
            error = $"{found.Count} clusters are named '{nameOrPid}' (launcher pids {string.Join(", ", found.Select(c => c.Pid))}): name one by its pid";
        }
        else if (pid > 0 && File.Exists($"/proc/{pid}/status") && OwnerOf(pid) is { } owner && owner != Posix.getuid())
        {
            error = $"process {pid} runs as another user (uid {owner}): the CLI reads only this user's clusters";
        }
        else
        {
            error = $"no running cluster is named '{nameOrPid}'" + (all.Count == 0
                ? " (none is running for this user)"
                : $" (running: {string.Join(", ", all.Select(c => $"{c.Name} [{c.Pid}]"))})");
        }

        return null;
    }

    private static ClusterRegistration? Read(string file)
    {
        try
        {
            var fields = File.ReadAllLines(file)
                .Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1]);
            return new ClusterRegistration(
                fields["name"],
                int.Parse(fields["pid"], CultureInfo.InvariantCulture),
                int.Parse(fields["region_fd"], CultureInfo.InvariantCulture),
                fields["app"],
                int.Parse(fields["workers"], CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fields["started_unix_ms"], CultureInfo.InvariantCulture)),
                int.Parse(fields["layout"], CultureInfo.InvariantCulture),
                ulong.Parse(fields["start_ticks"], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or KeyNotFoundException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>
    /// The registered launcher is alive: a process with its pid that started when it did
    /// (pids are reused, and a later process, even another cluster's worker, may have it).
    /// </summary>
    private static bool IsLauncher(ClusterRegistration cluster)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{cluster.Pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return ulong.Parse(fields[19], CultureInfo.InvariantCulture) == cluster.StartTicks;  // field 22
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    private static uint? OwnerOf(int pid)
    {
        try
        {
            string? uidLine = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return uidLine is null ? null : uint.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Another CLI removed it first.
        }
    }
}
