using System.Globalization;

namespace DotnetWorkers.Supervision;

/// <summary>
/// What the kernel says about a process of the cluster (<c>/proc/PID/stat</c> and
/// <c>statm</c>): CPU time and resident memory, for any process of the same user, whether it
/// uses the library or not. Read on demand: nothing is published for it.
/// </summary>
internal static class KernelStatistics
{
    /// <summary>The kernel's clock ticks per second in /proc (USER_HZ: 100 on every Linux .NET runs on).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>True for a process that exists now: its entry says it runs, and it has a pid.</summary>
    internal static bool IsLive(WorkerInfo info) =>
        info.Status is WorkerStatus.Starting or WorkerStatus.Running or WorkerStatus.Stopping && info.ProcessId != 0;

    /// <summary><paramref name="info"/> with its CPU time and resident memory, if it is live and still there.</summary>
    internal static WorkerInfo AddTo(WorkerInfo info) =>
        IsLive(info) && TryRead(info.ProcessId, out TimeSpan cpu, out long resident) ? info with { CpuTime = cpu, MemoryBytes = resident } : info;

    /// <summary>CPU time (user + system) and resident bytes of <paramref name="pid"/>; false if it is gone.</summary>
    internal static bool TryRead(int pid, out TimeSpan cpuTime, out long residentBytes)
    {
        cpuTime = default;
        residentBytes = 0;
        try
        {
            // The command name (field 2) is in parentheses and may hold spaces: fields count from the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            cpuTime = TimeSpan.FromSeconds(ticks / TicksPerSecond);
            string statm = File.ReadAllText($"/proc/{pid}/statm");
            residentBytes = long.Parse(statm.Split(' ')[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return false;  // it ended between the table's read and this one
        }
    }
}
