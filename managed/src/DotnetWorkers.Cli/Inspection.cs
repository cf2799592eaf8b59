using System.Globalization;
using System.Text;
using DotnetWorkers.Supervision;
using static DotnetWorkers.Supervision.RegionInspection;

namespace DotnetWorkers.Cli;

/// <summary>inspect NAME|PID: what a running cluster holds, read through its read-only mapping.</summary>
internal static class Inspection
{
    internal sealed record Report(IReadOnlyList<KeyInfo> Keys, IReadOnlyList<BufferInfo> Buffers, IReadOnlyList<LockInfo> Locks, IReadOnlyList<QueueInfo> Queues, IReadOnlyList<ServiceInfo> Services);

    internal static int Run(string nameOrPid, string prefix, bool json)
    {
        using ClusterView view = Commands.Open(nameOrPid);
        nint region = view.Handle;
        var report = new Report(RegionInspection.Keys(region, prefix), RegionInspection.Buffers(region), RegionInspection.Locks(region), RegionInspection.Queues(region), RegionInspection.Services(region));
        if (json)
        {
            Console.WriteLine(Output.ToJson(report));
            return 0;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Store ({report.Keys.Count} keys{(prefix.Length > 0 ? $" starting with '{prefix}'" : "")}):");
        text.Append(Output.Table(["KEY", "SIZE", "EXPIRES IN"], report.Keys.Select(k => (IReadOnlyList<string>)
            [k.Key, Output.Bytes(k.Bytes), k.ExpiresIn is { } e ? Output.Duration(e) : "never"])));
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Buffers ({report.Buffers.Count}):");
        text.Append(Output.Table(["NAME", "SIZE", "REFERENCES"], report.Buffers.Select(b => (IReadOnlyList<string>)
            [b.Name, Output.Bytes(b.Bytes), b.References.ToString(CultureInfo.InvariantCulture)])));
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Locks ({report.Locks.Count}):");
        text.Append(Output.Table(["NAME", "KIND", "STATE", "WAITING"], report.Locks.Select(l => (IReadOnlyList<string>)
            [l.Name, l.Kind, l.State, l.Waiting.ToString(CultureInfo.InvariantCulture)])));
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Queues ({report.Queues.Count}):");
        text.Append(Output.Table(["NAME", "DEPTH", "CAPACITY", "COMPLETED"], report.Queues.Select(q => (IReadOnlyList<string>)
            [q.Name, q.Depth.ToString(CultureInfo.InvariantCulture), q.Capacity.ToString(CultureInfo.InvariantCulture), q.Completed ? "yes" : "no"])));
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Services and topics ({report.Services.Count}):");
        text.Append(Output.Table(["KIND", "NAME", "PROCESSES"], report.Services.Select(s => (IReadOnlyList<string>)
            [s.Kind, s.Name, s.Processes.Length == 0 ? "-" : string.Join(",", s.Processes)])));
        Console.Write(text.ToString());
        return 0;
    }
}
