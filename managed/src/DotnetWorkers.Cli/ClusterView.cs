using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Native;
using DotnetWorkers.Region;
using DotnetWorkers.Supervision;

namespace DotnetWorkers.Cli;

/// <summary>One row of <c>ps NAME</c> and <c>top</c>: a process of the cluster and its CPU share since the previous look.</summary>
internal sealed record ProcessRow(WorkerInfo Info, double? CpuPercent);

/// <summary>
/// A running cluster seen through its region, mapped read-only: the CLI never writes to it,
/// takes no lock and never waits on one of its processes.
/// </summary>
internal sealed class ClusterView : IDisposable
{
    private readonly SharedRegion _region;
    private readonly CpuSampler _cpu = new();

    private ClusterView(ClusterRegistration cluster, SharedRegion region)
    {
        Cluster = cluster;
        _region = region;
    }

    internal ClusterRegistration Cluster { get; }

    /// <summary>The read-only region's native handle, for the library's reading functions.</summary>
    internal nint Handle => _region.Handle.DangerousGetHandle();

    /// <summary>Opens <paramref name="cluster"/>'s region; throws <see cref="RegionMismatchException"/> for another release's.</summary>
    internal static ClusterView Open(ClusterRegistration cluster) => new(cluster, SharedRegion.OpenReadOnly(cluster.RegionPath));

    /// <summary>Every process of the table, with CPU time and RSS from /proc and CPU % since the last call (null the first time).</summary>
    internal List<ProcessRow> Read()
    {
        long now = Environment.TickCount64;
        var rows = new List<ProcessRow>();
        for (int id = 0; id < RegionLayout.ProcessCapacity; id++)
        {
            if (_region.ReadProcess(id) is not { } info)
            {
                continue;
            }

            info = KernelStatistics.AddTo(info);
            if (info.CpuTime is not null)
            {
                info = info with { InboxDepth = Inboxes.DepthOf(Handle, id) };
            }

            double? cpuPercent = _cpu.Sample(info, now);
            rows.Add(new ProcessRow(info, cpuPercent));
        }

        return rows;
    }

    /// <summary>Asks the launcher to restart worker <paramref name="id"/> (the request Cluster.RestartWorkerAsync sends).</summary>
    internal void RequestRestart(int id) => Request(1, id);  // supervisor_requests.h kRequestRestart

    /// <summary>Asks the launcher to replace worker <paramref name="id"/> by a new process that takes its sockets.</summary>
    internal void RequestReload(int id) => Request(4, id);  // supervisor_requests.h kRequestReload

    private void Request(uint kind, int id)
    {
        DwStatus status = NativeMethods.SupervisorRequest(Handle, kind, (uint)id);
        if (status != DwStatus.Ok)
        {
            throw new CliException($"cannot ask the launcher of '{Cluster.Name}' (pid {Cluster.Pid}): {NativeMethods.LastErrorMessage()}");
        }
    }

    public void Dispose() => _region.Dispose();
}
