using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Supervision;

/// <summary>
/// Asks the launcher to stop or restart one worker (a signal carrying the request,
/// docs/protocol.md "Supervisor requests"), then watches the process table for the outcome:
/// the launcher answers by doing it.
/// </summary>
internal sealed class SupervisorRequests(ClusterRuntime runtime)
{
    /// <summary>How often the table is looked at while waiting for the outcome.</summary>
    private static readonly TimeSpan LookEvery = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a restarted worker may show as ended before it shows as reviving (the launcher's two steps, and its cleaner).</summary>
    private static readonly TimeSpan EndedBound = TimeSpan.FromSeconds(5);

    /// <summary>supervisor_requests.h kRequestRestart / kRequestStop.</summary>
    private const uint Restart = 1;
    private const uint Stop = 2;

    internal async Task StopWorkerAsync(int id, CancellationToken cancellationToken)
    {
        WorkerInfo before = RunningWorker(id, "stop");
        Send(Stop, id);
        while (Current(id) is { } now && now.ProcessId == before.ProcessId && now.Status is WorkerStatus.Starting or WorkerStatus.Running or WorkerStatus.Stopping)
        {
            await Task.Delay(LookEvery, cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task<WorkerInfo> RestartWorkerAsync(int id, CancellationToken cancellationToken)
    {
        WorkerInfo before = RunningWorker(id, "restart");
        Send(Restart, id);

        // Done when a new process of the id runs: bound to the library if the old one was.
        WorkerStatus ready = before.Status == WorkerStatus.Running ? WorkerStatus.Running : WorkerStatus.Starting;
        long endedSince = 0;  // the launcher marks the death first, then "reviving": a look may fall between
        while (true)
        {
            WorkerInfo? now = Current(id);
            if (now is not null && now.Restarts > before.Restarts && now.ProcessId != 0 && now.ProcessId != before.ProcessId)
            {
                if (now.Status == ready || now.Status == WorkerStatus.Running)
                {
                    return now;
                }

                if (now.Status is not (WorkerStatus.Starting or WorkerStatus.Reviving))
                {
                    throw new DotnetWorkersException($"Worker {id} was restarted but its new process ended ({now.Status}, exit code {now.ExitCode}).");
                }
            }
            else if (now is null || (now.Restarts == before.Restarts && now.Status is WorkerStatus.Exited or WorkerStatus.Killed))
            {
                endedSince = endedSince == 0 ? Environment.TickCount64 : endedSince;
                if (now is null || Environment.TickCount64 - endedSince > EndedBound.TotalMilliseconds)
                {
                    throw new DotnetWorkersException($"Worker {id} ended instead of restarting (the cluster is shutting down?).");
                }
            }

            await Task.Delay(LookEvery, cancellationToken).ConfigureAwait(false);
        }
    }

    internal async Task<IReadOnlyList<int>> StartWorkersAsync(string role, int count, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, RegionLayout.ProcessCapacity - 1);
        RequireLauncher("start");
        int[] ids = Claim(role, count);

        // Done when every new process has bound to the library (the same app, so it will).
        foreach (int id in ids)
        {
            for (WorkerInfo? now = Current(id); now?.Status != WorkerStatus.Running; now = Current(id))
            {
                if (now is null || now.Status is WorkerStatus.Exited or WorkerStatus.Killed)
                {
                    throw new DotnetWorkersException(now is null
                        ? $"Worker {id} was not started: the cluster is shutting down."
                        : $"Worker {id} ended before it ran ({now.Status}, exit code {now.ExitCode}).");
                }

                await Task.Delay(LookEvery, cancellationToken).ConfigureAwait(false);
            }
        }

        return ids;
    }

    private unsafe int[] Claim(string role, int count)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(role);
        uint[] ids = new uint[count];
        fixed (byte* n = name)
        fixed (uint* i = ids)
        {
            DwStatus status = NativeMethods.WorkersStart(runtime.RegionHandle, n, (uint)name.Length, (uint)count, i);
            if (status == DwStatus.Capacity)
            {
                throw new InvalidOperationException($"Cannot start {count} more workers: {NativeMethods.LastErrorMessage()}.");
            }

            NativeErrors.ThrowIfFailed(status, $"Starting {count} workers of role '{role}'");
        }

        return [.. ids.Select(id => (int)id)];
    }

    private void RequireLauncher(string what)
    {
        if (runtime.IsStandalone || runtime.Region.IsPrivate)
        {
            throw new InvalidOperationException($"A cluster of one has no launcher to {what} workers: start the app with dotnet-workers.");
        }
    }

    private WorkerInfo? Current(int id) => runtime.Region.ReadProcess(id);

    private WorkerInfo RunningWorker(int id, string what)
    {
        RequireLauncher(what);
        if (id < 1 || id >= RegionLayout.ProcessCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, id == 0
                ? $"Process 0 is the primary, the cluster's lifetime: it cannot be {what}ed alone (return from its Main to end the cluster)."
                : $"A worker id is 1 to {RegionLayout.ProcessCapacity - 1}.");
        }

        WorkerInfo? info = Current(id);
        if (info is null || info.Status is not (WorkerStatus.Starting or WorkerStatus.Running))
        {
            throw new InvalidOperationException($"Worker {id} is not running ({(info is null ? "no such worker" : info.Status.ToString())}): there is nothing to {what}.");
        }

        return info;
    }

    private void Send(uint kind, int id) =>
        NativeErrors.ThrowIfFailed(NativeMethods.SupervisorRequest(runtime.RegionHandle, kind, (uint)id), $"Asking the launcher about worker {id}");
}
