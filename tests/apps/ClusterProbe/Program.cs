// A test app for the launcher tests: every process prints what it is, then does what the
// first argument says. Every line starts with "probe " so tests can pick them out of
// whatever else the runtime prints. Every wait is bounded.
//
// Processes synchronize through marker files in $PROBE_SYNC_DIR (the tests give each run
// a fresh folder), so the probe needs nothing from the library but what it tests.
using System.Diagnostics;
using System.Runtime.InteropServices;
using DotnetWorkers;

static partial class Program
{
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    static int Main(string[] args)
    {
        string action = args.Length > 0 ? args[0] : "report";
        if (action == "plain")
        {
            // Never touches the library: what an app that doesn't reference it sees.
            Say($"plain env_id={Env("DOTNET_WORKERS_ID")} env_count={Env("DOTNET_WORKERS_COUNT")} env_role={Env("DOTNET_WORKERS_ROLE")} pid={Environment.ProcessId}");
            // The primary's exit ends the cluster: it waits until every process has spoken.
            File.Create(Path.Combine(SyncDir, "plain-" + Env("DOTNET_WORKERS_ID"))).Dispose();
            if (Env("DOTNET_WORKERS_ID") == "0")
            {
                AwaitAll("plain", int.Parse(Env("DOTNET_WORKERS_COUNT")) + 1);
            }
            return 0;
        }

        if (action == "chatter")
        {
            // Every process writes long lines as fast as it can, to stdout and stderr at once:
            // with --output=prefix none may come out torn or mixed with another's.
            string id = Env("DOTNET_WORKERS_ID");
            string padding = new('x', 300);
            var err = Task.Run(() =>
            {
                for (int i = 0; i < 500; i++)
                {
                    Console.Error.WriteLine($"probe chatter-err id={id} i={i} {padding}");
                }
            });
            for (int i = 0; i < 2000; i++)
            {
                Console.Out.WriteLine($"probe chatter id={id} i={i} {padding}");
            }

            err.Wait();
            Console.Out.Write($"probe chatter-end id={id} (no newline)");
            return 0;
        }

        if (action == "plain-late")
        {
            // Never touches the library, and the primary returns at once: each worker still
            // runs its Main to the end (here, a slow one) instead of being stopped half way.
            if (Env("DOTNET_WORKERS_ID") != "0")
            {
                Thread.Sleep(1000);
            }

            Say($"plain-done id={Env("DOTNET_WORKERS_ID")}");
            return 0;
        }

        if (action == "bind-late")
        {
            // The primary binds and returns at once, which shuts the cluster down; each worker
            // binds only after that. It is still the process the launcher started: it binds,
            // and sees the shutdown at once.
            if (Env("DOTNET_WORKERS_ID") == "0")
            {
                _ = Cluster.WorkerId;
                return 0;
            }

            Thread.Sleep(1000);
            int id = Cluster.WorkerId;
            bool stopping = Cluster.ShutdownToken.WaitHandle.WaitOne(Bound);
            Say($"late-bound id={id} stopping={stopping}");
            return 0;
        }

        Say($"identity id={Cluster.WorkerId} pid={Cluster.ProcessId} role={Cluster.Role} primary={Cluster.IsPrimary} " +
            $"count={Cluster.WorkerCount} standalone={Cluster.IsStandalone} memory={Cluster.MemoryReserved} " +
            $"env_id={Env("DOTNET_WORKERS_ID")} env_count={Env("DOTNET_WORKERS_COUNT")} env_role={Env("DOTNET_WORKERS_ROLE")} " +
            $"region_fds={RegionFdCount()} args={string.Join(',', args.Skip(1))}");

        switch (action)
        {
            case "revive":
                return ReviveScenario.Run();

            case "statistics":
                return SupervisionScenarios.Statistics();

            case "stop-restart":
                return SupervisionScenarios.StopAndRestart();

            case "memory-hog":
                return SupervisionScenarios.MemoryHog();

            case "populate":
                return SupervisionScenarios.Populate();

            case "scale":
                return SupervisionScenarios.Scale();

            case "chaos":
                return ChaosScenario.Run(int.Parse(args[1]));

            case "document-concurrent":
                return DocumentScenario.Concurrent(int.Parse(args[1]));

            case "document-kill":
                return DocumentScenario.Kill();

            case "document-persist":
                return DocumentScenario.Persist(loop: true);

            case "document-persist-check":
                return DocumentScenario.Persist(loop: false);

            case "document-serve":
                return DocumentScenario.Serve();

            case "multihost":
                return MultiHostScenario.Run(args[1], int.Parse(args[2]), int.Parse(args[3]));

            case "report":
                // Everyone has printed its identity (and so bound) before the primary reads the table.
                Barrier("ready");
                if (Cluster.IsPrimary)
                {
                    foreach (WorkerInfo w in Cluster.Workers)
                    {
                        Say($"table id={w.Id} pid={w.ProcessId} role={w.Role} status={w.Status}");
                    }
                }
                return args.Length > 1 && Cluster.IsPrimary ? int.Parse(args[1]) : 0;

            case "crash":
                // crash <how> [id]: process id (default: worker 1) crashes once every process runs.
                Barrier("ready");
                if (Cluster.WorkerId == (args.Length > 2 ? int.Parse(args[2]) : 1))
                {
                    Crash(args[1]);
                }
                Cluster.ShutdownToken.WaitHandle.WaitOne(Bound);
                return 0;

            case "worker-exits-early":
                // Worker 1 ends cleanly while the cluster runs; the primary reports the table.
                Barrier("ready");
                if (Cluster.WorkerId == 1)
                {
                    Environment.Exit(0);
                }
                if (Cluster.IsPrimary)
                {
                    var clock = Stopwatch.StartNew();
                    while (Cluster.Workers[1].Status != WorkerStatus.Exited && clock.Elapsed < Bound)
                    {
                        Thread.Sleep(10);
                    }
                    foreach (WorkerInfo w in Cluster.Workers)
                    {
                        Say($"table id={w.Id} pid={w.ProcessId} role={w.Role} status={w.Status} exit={w.ExitCode?.ToString() ?? "none"}");
                    }
                }
                return 0;

            case "run-child":
                // The primary starts another copy with plain `dotnet`: the child inherits the
                // environment but is not part of the cluster.
                if (Cluster.IsPrimary)
                {
                    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
                    start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClusterProbe.dll"));
                    start.ArgumentList.Add("report");
                    using Process child = Process.Start(start)!;
                    Task<string> stdout = child.StandardOutput.ReadToEndAsync();
                    Task<string> stderr = child.StandardError.ReadToEndAsync();
                    if (!child.WaitForExit(Bound) || !Task.WaitAll([stdout, stderr], Bound))
                    {
                        child.Kill();
                        Say("timeout waiting for the child");
                        return 65;
                    }
                    foreach (string outLine in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        Say("child-out " + outLine);
                    }
                    foreach (string errLine in stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        Say("child-err " + errLine);
                    }
                }
                return 0;

            case "serilog":
                return SerilogScenario.Run();

            case "signal-ready-alone":
                Say($"signalled={Cluster.SignalReady()}");
                return 0;

            case "signal-ready":
                // Serves nothing; says it is ready through the library (a reload waits for it).
                Say($"ready id={Cluster.WorkerId} signalled={Cluster.SignalReady()}");
                Cluster.ShutdownToken.WaitHandle.WaitOne(Bound);
                return 0;

            case "wait-shutdown":
                // Every process waits for the token, then says so and returns cleanly.
                WaitHandle shutdown = Cluster.ShutdownToken.WaitHandle; // before "ready": signals now go to the token
                Barrier("ready");
                Say($"ready id={Cluster.WorkerId}");
                bool stopped = shutdown.WaitOne(Bound);
                Say($"stopped id={Cluster.WorkerId} by_token={stopped}");
                return args.Length > 1 && Cluster.IsPrimary ? int.Parse(args[1]) : 0;

            case "ignore-shutdown":
                // Everyone hears the shutdown but nobody ends: the launcher's timeout has to kill them.
                Cluster.ShutdownToken.Register(() => Say($"ignoring-shutdown id={Cluster.WorkerId}"));
                Barrier("ready");
                Say($"ready id={Cluster.WorkerId}");
                Thread.Sleep(Bound);
                return 0;

            case "fail-at-shutdown":
                // Worker 1 returns 3 from Main when the cluster shuts down; the primary returns 0.
                WaitHandle ending = Cluster.ShutdownToken.WaitHandle;
                Barrier("ready");
                if (Cluster.WorkerId == 1)
                {
                    ending.WaitOne(Bound);
                    return 3;
                }
                return 0;

            case "count":
                // count <n>: every process increments one counter n times.
                int times = int.Parse(args[1]);
                for (int i = 0; i < times; i++)
                {
                    Cluster.Store.Increment("counter");
                }
                Barrier("done");
                if (Cluster.IsPrimary)
                {
                    Say($"count total={Cluster.Store.Get<long>("counter")}");
                }
                return 0;

            case "getorset":
                // Every process asks for the same value at once; the factory should run once.
                Barrier("ready");
                string value = Cluster.Store.GetOrSetAsync("value", async () =>
                {
                    Cluster.Store.Increment("runs");
                    Say($"computing id={Cluster.WorkerId}");
                    await Task.Delay(200);
                    return $"computed-by-{Cluster.WorkerId}";
                }).AsTask().WaitAsync(Bound).GetAwaiter().GetResult();
                Say($"got id={Cluster.WorkerId} value={value}");
                Barrier("done");
                if (Cluster.IsPrimary)
                {
                    Say($"runs={Cluster.Store.Get<long>("runs")}");
                }
                return 0;

            case "getorset-takeover":
                // Worker 1 starts computing and never finishes (the test kills it); the others
                // wait for it, and one of them must take over.
                if (Cluster.WorkerId == 1)
                {
                    _ = Cluster.Store.GetOrSetAsync<string>("value", async () =>
                    {
                        Arrive("computing"); // before the line the test kills on
                        Say("computing id=1");
                        await Task.Delay(Bound);
                        return "never";
                    });
                    Thread.Sleep(Bound);
                    return 0;
                }
                AwaitAll("computing", 1);
                string taken = Cluster.Store.GetOrSetAsync("value", () => Task.FromResult($"computed-by-{Cluster.WorkerId}"))
                    .AsTask().WaitAsync(Bound).GetAwaiter().GetResult();
                Say($"got id={Cluster.WorkerId} value={taken}");
                Arrive("got");
                if (Cluster.IsPrimary)
                {
                    AwaitAll("got", Cluster.WorkerCount); // everyone but worker 1
                }
                return 0;

            case "lock-abandon":
                // Worker 1 takes the mutex and is killed holding it; worker 2 must get it, told.
                var mutex = Cluster.Locks.Mutex("m");
                if (Cluster.WorkerId == 1)
                {
                    mutex.Acquire();
                    Arrive("holding"); // before the line the test kills on
                    Say("holding id=1");
                    Thread.Sleep(Bound);
                    return 0;
                }
                if (Cluster.WorkerId == 2)
                {
                    AwaitAll("holding", 1);
                    try
                    {
                        mutex.Acquire(Bound).Dispose();
                        Say("acquired id=2 abandoned=False");
                    }
                    catch (DotnetWorkers.Locks.SharedLockAbandonedException e)
                    {
                        Say("acquired id=2 abandoned=True");
                        e.Lease.Dispose();
                    }
                    Arrive("result");
                    return 0;
                }
                AwaitAll("result", 1);
                return 0;

            case "lock-async":
                // Worker 1 holds the mutex; the primary waits for it with AcquireAsync (no
                // thread), and worker 1's release (in another process) hands it over. Then
                // the same across a death: worker 1 takes it again and dies holding it (exit
                // without releasing); the primary's AcquireAsync gets it, told abandoned.
                var shared = Cluster.Locks.Mutex("m");
                if (Cluster.WorkerId == 1)
                {
                    SharedLockLeaseHolder.Hold(shared);
                    Arrive("holding");
                    AwaitAll("waiting", 1);
                    Thread.Sleep(100);  // the primary is asleep on its doorbell by now
                    SharedLockLeaseHolder.Release();
                    AwaitAll("acquired", 1);
                    AwaitAll("released", 1);
                    shared.Acquire(Bound);
                    Arrive("holding-again");
                    AwaitAll("waiting-again", 1);
                    Thread.Sleep(100);
                    Environment.Exit(0);  // dies holding it: the launcher gives it back
                }
                if (Cluster.IsPrimary)
                {
                    AwaitAll("holding", 1);
                    var waiting = shared.AcquireAsync(Bound).AsTask();
                    Arrive("waiting");
                    using (waiting.WaitAsync(Bound).GetAwaiter().GetResult())
                    {
                        Say("async acquired=True");
                        Arrive("acquired");
                    }
                    Arrive("released");
                    AwaitAll("holding-again", 1);
                    var again = shared.AcquireAsync(Bound).AsTask();
                    Arrive("waiting-again");
                    try
                    {
                        again.WaitAsync(Bound).GetAwaiter().GetResult().Dispose();
                        Say("async after-death abandoned=False");
                    }
                    catch (DotnetWorkers.Locks.SharedLockAbandonedException e)
                    {
                        Say("async after-death abandoned=True");
                        e.Lease.Dispose();
                    }
                }
                return 0;

            case "buffer":
                // The primary writes a buffer; every worker reads the same bytes.
                const int size = 1 << 20;
                if (Cluster.IsPrimary)
                {
                    using var written = Cluster.Buffers.Open("shared", size);
                    Span<byte> bytes = written.Span;
                    for (int i = 0; i < size; i++)
                    {
                        bytes[i] = (byte)(i % 251);
                    }
                    Arrive("written");
                    AwaitAll("read", Cluster.WorkerCount);
                    Say($"checksum id=0 value={Checksum(written.Span)}");
                }
                else
                {
                    AwaitAll("written", 1);
                    using var read = Cluster.Buffers.OpenExisting("shared");
                    Say($"checksum id={Cluster.WorkerId} value={Checksum(read.Span)} length={read.Length}");
                    read.Dispose();
                    Arrive("read");
                    return 0;
                }
                Say($"buffers={Cluster.Buffers.Count}");
                return 0;

            case "buffer-leak":
                // Worker 1 opens a buffer, never disposes it, and exits: the launcher gives its
                // reference back. The primary watches the count.
                if (Cluster.WorkerId == 1)
                {
                    Cluster.Buffers.Open("leaked", 4096);
                    Arrive("opened");
                    Environment.Exit(0);
                }
                if (Cluster.IsPrimary)
                {
                    AwaitAll("opened", 1);
                    var clock = Stopwatch.StartNew();
                    while (Cluster.Buffers.Count > 0 && clock.Elapsed < Bound)
                    {
                        Thread.Sleep(10);
                    }
                    Say($"buffers-after-exit={Cluster.Buffers.Count}");
                }
                return 0;

            case "no-token":
                // Bound to the cluster but never asks for ShutdownToken: the runtime's own
                // SIGTERM handling applies (graceful exit, code 143).
                Barrier("ready");
                Say($"ready id={Cluster.WorkerId}");
                Thread.Sleep(Bound);
                return 0;

            case "primary-exits":
                // The primary returns at once with the given code; workers stay alive until shutdown.
                if (Cluster.IsPrimary)
                {
                    AwaitAll("returned", Cluster.WorkerCount);
                    return int.Parse(args[1]);
                }
                Cluster.ShutdownToken.Register(() => Say($"stopped id={Cluster.WorkerId}"));
                Say($"main-returning id={Cluster.WorkerId}");
                Arrive("returned");
                return 0;

            case "stdin":
                // Everyone reads before anyone returns: the primary's return ends the cluster.
                string? line = Console.In.ReadLine();
                Arrive("read");
                if (Cluster.IsPrimary)
                {
                    AwaitAll("read", Cluster.WorkerCount + 1);
                }
                Say($"stdin id={Cluster.WorkerId} line={(line is null ? "<eof>" : line)}");
                return 0;

            default:
                Say($"unknown action {action}");
                return 64;
        }
    }

    static long Checksum(ReadOnlySpan<byte> bytes)
    {
        long sum = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            sum = (sum * 31) + bytes[i];
        }
        return sum;
    }

    /// <summary>How many of this process's descriptors are the cluster's region (memfd).</summary>
    static int RegionFdCount() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Count(fd => fd.LinkTarget == "/memfd:dotnet-workers (deleted)");

    static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? "<unset>";

    internal static void Say(string line) => Console.Out.WriteLine("probe " + line);

    static string SyncDir => Environment.GetEnvironmentVariable("PROBE_SYNC_DIR") ?? throw new InvalidOperationException("PROBE_SYNC_DIR is not set");

    /// <summary>Records that this process reached <paramref name="name"/>.</summary>
    internal static void Arrive(string name) => File.Create(Path.Combine(SyncDir, $"{name}-{Cluster.WorkerId}")).Dispose();

    /// <summary>Waits until <paramref name="count"/> processes reached <paramref name="name"/>.</summary>
    internal static void AwaitAll(string name, int count)
    {
        var clock = Stopwatch.StartNew();
        while (Directory.GetFiles(SyncDir, name + "-*").Length < count)
        {
            if (clock.Elapsed > Bound)
            {
                Say($"timeout waiting for {count} processes at {name}");
                Environment.Exit(65);
            }
            Thread.Sleep(5);
        }
    }

    /// <summary>Every process of the cluster waits here until all have arrived.</summary>
    internal static void Barrier(string name)
    {
        Arrive(name);
        AwaitAll(name, Cluster.WorkerCount + 1);
    }

    static void Crash(string how)
    {
        switch (how)
        {
            case "segv":
                Say($"crashing id={Cluster.WorkerId} how=segv");
                Native.memset(8, 1, 1); // a real fault, in native code: the runtime lets it kill the process
                break;
            case "failfast":
                Say($"crashing id={Cluster.WorkerId} how=failfast");
                Environment.FailFast("ClusterProbe: failing fast on purpose");
                break;
            case "exit3":
                Say($"crashing id={Cluster.WorkerId} how=exit3");
                Environment.Exit(3);
                break;
            case "sigkill":
                Say($"crashing id={Cluster.WorkerId} how=sigkill");
                System.Diagnostics.Process.GetCurrentProcess().Kill();  // SIGKILL on Linux: nothing runs after it
                break;
        }
    }
}

static partial class Native
{
    [LibraryImport("libc")]
    internal static partial nint memset(nint destination, int value, nuint count);
}

/// <summary>A lease kept across calls of the probe (the lock is the process's, not the thread's).</summary>
static class SharedLockLeaseHolder
{
    private static DotnetWorkers.Locks.SharedLockLease? s_lease;

    public static void Hold(DotnetWorkers.Locks.SharedLock mutex) => s_lease = mutex.Acquire(TimeSpan.FromSeconds(30));

    public static void Release() => s_lease?.Dispose();
}
