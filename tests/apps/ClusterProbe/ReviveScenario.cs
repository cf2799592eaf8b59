using DotnetWorkers;
using DotnetWorkers.Locks;

/// <summary>
/// What a revive must keep (run with --on-worker-exit=revive and 2 workers): worker 1 holds
/// a mutex and has a call of the primary in flight when the test SIGKILLs it on the line
/// "holding id=1". The primary's call must fail, the mutex come to it abandoned, and worker 1
/// come back with the same id and role, a new pid, the store as it was, serving again.
/// </summary>
internal static class ReviveScenario
{
    internal static int Run()
    {
        long life = Cluster.Store.Increment($"life-{Cluster.WorkerId}");
        Program.Say($"life id={Cluster.WorkerId} pid={Cluster.ProcessId} role={Cluster.Role} life={life}");
        if (Cluster.WorkerId == 1)
        {
            if (life > 1)
            {
                // Before it serves: the primary ends the cluster once it reaches the revived server.
                Program.Say($"revived id=1 kept={Cluster.Store.Get<string>("kept")}");
            }

            using IDisposable serving = Cluster.Serve<IReviveProbe>(new ReviveProbe());
            if (life == 1)
            {
                Program.AwaitAll("hanging", 1);  // the primary's call is in flight here
                Cluster.Store.Set("kept", "set-before-the-kill");
                SharedLockLease lease = Cluster.Locks.Mutex("m").Acquire(Program.Bound);
                Program.Say("holding id=1");
                Thread.Sleep(Program.Bound);  // the test kills it; the lease is never released
                GC.KeepAlive(lease);
                return 0;
            }

            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound);
            return 0;
        }

        if (!Cluster.IsPrimary)
        {
            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound);
            return 0;
        }

        using var bound = new CancellationTokenSource(Program.Bound);
        Cluster.WaitForServersAsync<IReviveProbe>(1, bound.Token).GetAwaiter().GetResult();
        IReviveProbe probe = Cluster.Proxy<IReviveProbe>(RpcTarget.Worker(1));
        Task hang = probe.HangAsync();
        try
        {
            hang.WaitAsync(Program.Bound).GetAwaiter().GetResult();
            Program.Say("hang failed=no");
        }
        catch (Exception e)
        {
            Program.Say($"hang failed={e.GetType().Name}");
        }

        try
        {
            Cluster.Locks.Mutex("m").Acquire(Program.Bound).Dispose();
            Program.Say("acquired abandoned=False");
        }
        catch (SharedLockAbandonedException e)
        {
            Program.Say("acquired abandoned=True");
            e.Lease.Dispose();
        }

        // The revived worker counts its life before it serves again; meanwhile the table
        // shows it moving through its states (each change seen is recorded once).
        var statuses = new List<WorkerStatus>();
        while (!Cluster.Store.TryGet("life-1", out long lives) || lives < 2)
        {
            WorkerStatus now = Cluster.Workers.Single(w => w.Id == 1).Status;
            if (statuses.Count == 0 || statuses[^1] != now)
            {
                statuses.Add(now);
            }

            Thread.Sleep(1);
            bound.Token.ThrowIfCancellationRequested();
        }

        Program.Say($"statuses {string.Join(",", statuses)}");
        Cluster.WaitForServersAsync<IReviveProbe>(1, bound.Token).GetAwaiter().GetResult();
        int pid = probe.PidAsync().WaitAsync(Program.Bound).GetAwaiter().GetResult();
        WorkerInfo worker = Cluster.Workers.Single(w => w.Id == 1);
        Program.Say($"revived-pid={pid} table-pid={worker.ProcessId} status={worker.Status} role={worker.Role}");
        return 0;
    }
}

/// <summary>What worker 1 serves in the revive scenario.</summary>
public interface IReviveProbe
{
    /// <summary>Never answers: the call is in flight when its server is killed.</summary>
    Task HangAsync();

    Task<int> PidAsync();
}

internal sealed class ReviveProbe : IReviveProbe
{
    public async Task HangAsync()
    {
        Program.Arrive("hanging");
        await Task.Delay(Program.Bound);
    }

    public Task<int> PidAsync() => Task.FromResult(Environment.ProcessId);
}
