using DotnetWorkers;

/// <summary>Statistics, stopping and restarting workers, and the memory limit, seen from inside the cluster.</summary>
internal static class SupervisionScenarios
{
    /// <summary>
    /// statistics (2 workers): worker 1 serves; the primary calls it, then reads the table
    /// while one slow call is in flight.
    /// </summary>
    internal static int Statistics()
    {
        if (Cluster.WorkerId == 1)
        {
            // Some CPU time the kernel counts (a NativeAOT process may otherwise have used less than a tick).
            var spin = System.Diagnostics.Stopwatch.StartNew();
            while (spin.ElapsedMilliseconds < 100)
            {
                Thread.SpinWait(1000);
            }

            using IDisposable serving = Cluster.Serve<IStatisticsProbe>(new StatisticsProbe());
            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound);
            return 0;
        }

        if (!Cluster.IsPrimary)
        {
            Cluster.ShutdownToken.WaitHandle.WaitOne(Program.Bound);
            return 0;
        }

        using var bound = new CancellationTokenSource(Program.Bound);
        Cluster.WaitForServersAsync<IStatisticsProbe>(1, bound.Token).GetAwaiter().GetResult();
        IStatisticsProbe probe = Cluster.Proxy<IStatisticsProbe>();
        for (int i = 0; i < 50; i++)
        {
            probe.EchoAsync(i).WaitAsync(Program.Bound).GetAwaiter().GetResult();
        }

        // Published about once a second by each bound process.
        while (Cluster.Workers.Single(w => w.Id == 1).GcHeapBytes is not > 0)
        {
            Thread.Sleep(20);
            bound.Token.ThrowIfCancellationRequested();
        }

        Task slow = probe.SlowAsync();
        while (Cluster.Workers.Single(w => w.Id == 1).CallsInFlight == 0)
        {
            Thread.Sleep(5);
            bound.Token.ThrowIfCancellationRequested();
        }

        foreach (WorkerInfo w in Cluster.Workers)
        {
            Program.Say($"stats id={w.Id} status={w.Status} served={w.CallsServed} inflight={w.CallsInFlight} busy={w.IsBusy} " +
                $"cpu={(w.CpuTime is null ? "none" : w.CpuTime > TimeSpan.Zero ? "used" : "zero")} rss={w.MemoryBytes > 1_000_000} gc={w.GcHeapBytes > 0} " +
                $"started={w.StartedAt <= DateTimeOffset.UtcNow && w.StartedAt > DateTimeOffset.UtcNow.AddMinutes(-1)} restarts={w.Restarts}");
        }

        slow.WaitAsync(Program.Bound).GetAwaiter().GetResult();
        return 0;
    }

    /// <summary>
    /// stop-restart (2 workers): the primary restarts worker 1; the new worker 1 stops worker
    /// 2; the primary reports the table and the refusals.
    /// </summary>
    internal static int StopAndRestart()
    {
        WaitHandle shutdown = Cluster.ShutdownToken.WaitHandle;  // first: a stop from now on reaches the token
        long life = Cluster.Store.Increment($"life-{Cluster.WorkerId}");
        Program.Say($"life id={Cluster.WorkerId} pid={Cluster.ProcessId} life={life}");
        using var bound = new CancellationTokenSource(Program.Bound);
        if (Cluster.WorkerId == 1 && life == 2)
        {
            Cluster.StopWorkerAsync(2, bound.Token).GetAwaiter().GetResult();
            Cluster.Store.Set("stopped-2", true);
        }

        if (!Cluster.IsPrimary)
        {
            bool stopped = shutdown.WaitOne(Program.Bound);
            Program.Say($"stopping id={Cluster.WorkerId} life={life} by_token={stopped}");
            return 0;
        }

        // Both workers are listening for their token.
        while (!Cluster.Store.TryGet("life-1", out long _) || !Cluster.Store.TryGet("life-2", out long _))
        {
            Thread.Sleep(5);
            bound.Token.ThrowIfCancellationRequested();
        }

        WorkerInfo restarted = Cluster.RestartWorkerAsync(1, bound.Token).GetAwaiter().GetResult();
        Program.Say($"restarted id={restarted.Id} pid={restarted.ProcessId} status={restarted.Status} restarts={restarted.Restarts} " +
            $"cause={restarted.LastExitCause} last_exit={restarted.LastExitCode}");
        while (!Cluster.Store.TryGet("stopped-2", out bool _))
        {
            Thread.Sleep(5);
            bound.Token.ThrowIfCancellationRequested();
        }

        WorkerInfo two = Cluster.Workers.Single(w => w.Id == 2);
        Program.Say($"worker-2 status={two.Status} exit={two.ExitCode} restarts={two.Restarts}");
        Program.Say($"refused primary={Refusal(() => Cluster.RestartWorkerAsync(0))} stopped={Refusal(() => Cluster.StopWorkerAsync(2))} " +
            $"unknown={Refusal(() => Cluster.RestartWorkerAsync(77))}");
        return 0;
    }

    /// <summary>memory-hog (1 worker, --max-memory): worker 1's first life holds 300 MB until the launcher restarts it.</summary>
    internal static int MemoryHog()
    {
        WaitHandle shutdown = Cluster.ShutdownToken.WaitHandle;
        long life = Cluster.Store.Increment($"life-{Cluster.WorkerId}");
        Program.Say($"life id={Cluster.WorkerId} pid={Cluster.ProcessId} life={life}");
        if (Cluster.WorkerId == 1)
        {
            byte[]? hog = null;
            if (life == 1)
            {
                hog = new byte[300 << 20];
                Array.Fill(hog, (byte)1);  // touched: resident
            }

            bool stopped = shutdown.WaitOne(Program.Bound);
            Program.Say($"stopping id=1 life={life} by_token={stopped} held={hog?.Length ?? 0}");
            return 0;
        }

        using var bound = new CancellationTokenSource(Program.Bound);
        WorkerInfo one;
        while ((one = Cluster.Workers.Single(w => w.Id == 1)).Restarts == 0 || one.Status != WorkerStatus.Running)
        {
            Thread.Sleep(10);
            bound.Token.ThrowIfCancellationRequested();
        }

        Program.Say($"restarted id=1 restarts={one.Restarts} cause={one.LastExitCause} last_exit={one.LastExitCode}");
        return 0;
    }

    /// <summary>
    /// populate (1 worker): something of every kind for `dotnet-workers inspect` to list; the
    /// cluster then runs until it is stopped (the CLI tests stop it).
    /// </summary>
    internal static int Populate()
    {
        WaitHandle shutdown = Cluster.ShutdownToken.WaitHandle;
        if (Cluster.IsPrimary)
        {
            Cluster.Store.Set("user:1", "alice");
            Cluster.Store.Set("user:2", "bob", TimeSpan.FromMinutes(10));
            Cluster.Store.Set("other", 42L);
            DotnetWorkers.Buffers.SharedBuffer frame = Cluster.Buffers.Open("frame", 4096);
            DotnetWorkers.Queues.SharedQueue<int> jobs = Cluster.Queues.Open<int>("jobs", capacity: 16);
            for (int i = 0; i < 3; i++)
            {
                jobs.Writer.TryWrite(i);
            }

            using IDisposable news = Cluster.Events.Subscribe<string>("news", _ => { });
            Program.AwaitAll("populated", 1);
            Program.Say("populated");
            shutdown.WaitOne(TimeSpan.FromMinutes(2));
            GC.KeepAlive(frame);
            return 0;
        }

        using IDisposable serving = Cluster.Serve<IStatisticsProbe>(new StatisticsProbe());
        DotnetWorkers.Locks.SharedLockLease held = Cluster.Locks.Mutex("m").Acquire(Program.Bound);
        Program.Arrive("populated");
        shutdown.WaitOne(TimeSpan.FromMinutes(2));
        held.Dispose();
        return 0;
    }

    /// <summary>
    /// scale (1 worker): the primary starts two "extra" workers, worker 1 starts one more and
    /// stops one of the primary's; the primary reports the table and the refusals.
    /// </summary>
    internal static int Scale()
    {
        WaitHandle shutdown = Cluster.ShutdownToken.WaitHandle;
        using var bound = new CancellationTokenSource(Program.Bound);
        if (Cluster.Role == "extra")
        {
            Cluster.Store.Increment("extras-running");
            shutdown.WaitOne(Program.Bound);
            return 0;
        }

        if (Cluster.WorkerId == 1)
        {
            while (!Cluster.Store.TryGet("primary-started", out string? _))
            {
                Thread.Sleep(5);
                bound.Token.ThrowIfCancellationRequested();
            }

            IReadOnlyList<int> mine = Cluster.StartWorkersAsync("extra", 1, bound.Token).GetAwaiter().GetResult();
            Program.Say($"worker-started ids={string.Join(",", mine)}");

            // Started means bound, not yet past its identity line: every extra worker must
            // have printed it (and hooked its ShutdownToken) before the cluster may end.
            while (Cluster.Store.Increment("extras-running", 0) < 3)
            {
                Thread.Sleep(5);
                bound.Token.ThrowIfCancellationRequested();
            }

            Cluster.StopWorkerAsync(3, bound.Token).GetAwaiter().GetResult();
            Cluster.Store.Set("worker-done", true);
            shutdown.WaitOne(Program.Bound);
            return 0;
        }

        if (!Cluster.IsPrimary)
        {
            return 0;
        }

        IReadOnlyList<int> ids = Cluster.StartWorkersAsync("extra", 2, bound.Token).GetAwaiter().GetResult();
        Program.Say($"primary-started ids={string.Join(",", ids)} running={string.Join(",", ids.Select(i => Cluster.Workers.Single(w => w.Id == i).Status))}");
        Cluster.Store.Set("primary-started", string.Join(",", ids));
        while (!Cluster.Store.TryGet("worker-done", out bool _))
        {
            Thread.Sleep(5);
            bound.Token.ThrowIfCancellationRequested();
        }

        foreach (WorkerInfo w in Cluster.Workers)
        {
            Program.Say($"table id={w.Id} role={w.Role} status={w.Status}");
        }

        Program.Say($"refused count={Refusal(() => Cluster.StartWorkersAsync("extra", 5000))} role={Refusal(() => Cluster.StartWorkersAsync("no spaces"))} " +
            $"primary={Refusal(() => Cluster.StartWorkersAsync("primary"))} worker-count={Cluster.WorkerCount}");
        return 0;
    }

    private static string Refusal(Func<Task> call)
    {
        try
        {
            call().GetAwaiter().GetResult();
            return "none";
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }
}

/// <summary>What worker 1 serves in the statistics scenario.</summary>
public interface IStatisticsProbe
{
    Task<int> EchoAsync(int value);

    /// <summary>Answers after a second: in flight while the caller reads the table.</summary>
    Task SlowAsync();
}

internal sealed class StatisticsProbe : IStatisticsProbe
{
    public Task<int> EchoAsync(int value) => Task.FromResult(value);

    public Task SlowAsync() => Task.Delay(1000);
}
