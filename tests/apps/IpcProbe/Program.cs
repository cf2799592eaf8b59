// A test app for the launcher's messaging tests (RPC, queues, events across real
// processes). Every process prints "probe identity ..." first, then does what the first
// argument says. Lines start with "probe " so tests can pick them out. Every wait is bounded:
// a scenario that cannot finish in 30 s fails loudly instead of hanging.
using System.Diagnostics;
using DotnetWorkers;
using DotnetWorkers.Events;
using DotnetWorkers.Queues;

static class Program
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    static async Task<int> Main(string[] args)
    {
        string action = args.Length > 0 ? args[0] : "directions";
        Say($"identity id={Cluster.WorkerId} pid={Cluster.ProcessId} role={Cluster.Role}");
        using var bound = new CancellationTokenSource(Bound);
        CancellationToken token = bound.Token;
        int everyone = Cluster.WorkerCount + 1;
        switch (action)
        {
            case "directions":
            {
                // Every process serves; each calls every process (itself included) by id.
                Cluster.Serve<IProbe>(new Probe());
                await Cluster.WaitForServersAsync<IProbe>(everyone, token);
                for (int target = 0; target < everyone; target++)
                {
                    string answer = await Cluster.Proxy<IProbe>(RpcTarget.Worker(target)).WhoAsync($"from-{Cluster.WorkerId}");
                    Say($"call from={Cluster.WorkerId} to={target} answer={answer}");
                }

                await Done(everyone, token);
                return 0;
            }

            case "spread":
            {
                // Workers serve a slow method; the primary makes one call per worker at once.
                if (!Cluster.IsPrimary)
                {
                    Cluster.Serve<IProbe>(new Probe());
                    return 0;
                }

                await Cluster.WaitForServersAsync<IProbe>(Cluster.WorkerCount, token);
                IProbe probe = Cluster.Proxy<IProbe>();
                int[] ids = await Task.WhenAll(Enumerable.Range(0, Cluster.WorkerCount).Select(_ => probe.SlowIdAsync(300)));
                Say($"spread ids={string.Join(',', ids.Order())}");
                return 0;
            }

            case "role":
            {
                // Everyone but the primary serves; calls to a role only reach that role.
                if (!Cluster.IsPrimary)
                {
                    Cluster.Serve<IProbe>(new Probe());
                    return 0;
                }

                await Cluster.WaitForServersAsync<IProbe>(Cluster.WorkerCount, token);
                IProbe calc = Cluster.Proxy<IProbe>(RpcTarget.InRole(args[1]));
                var roles = new HashSet<string>();
                for (int i = 0; i < 20; i++)
                {
                    roles.Add((await calc.WhoAsync("x")).Split('/')[1]);
                }

                Say($"role answered-by={string.Join(',', roles.Order())}");
                IReadOnlyList<string> all = await Cluster.CallAllAsync<IProbe, string>(p => p.WhoAsync("all"));
                Say($"all answers={string.Join(',', all)}");
                return 0;
            }

            case "errors":
            {
                if (!Cluster.IsPrimary)
                {
                    Cluster.Serve<IProbe>(new Probe());
                    return 0;
                }

                await Cluster.WaitForServersAsync<IProbe>(Cluster.WorkerCount, token);
                IProbe probe = Cluster.Proxy<IProbe>(RpcTarget.Worker(1));
                try
                {
                    await probe.FailAsync("no such order");
                }
                catch (RemoteException e)
                {
                    Say($"error type={e.RemoteTypeName} message={e.Message.Replace(' ', '_')} worker={e.WorkerId} stack_has_method={e.RemoteStackTrace?.Contains("FailAsync")}");
                }

                using (var cancel = new CancellationTokenSource(200))
                {
                    try
                    {
                        await probe.WaitForCancellationAsync(cancel.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        Say("cancelled caller=True");
                    }
                }

                // The server saw its token cancelled: it says so in the store.
                var clock = Stopwatch.StartNew();
                while (!Cluster.Store.TryGet("server-cancelled", out long _) && clock.Elapsed < Bound)
                {
                    await Task.Delay(5);
                }

                Say($"cancelled server={Cluster.Store.TryGet("server-cancelled", out long _)}");
                try
                {
                    await Cluster.Proxy<IProbe>(RpcTarget.Worker(1), TimeSpan.FromMilliseconds(100)).SlowIdAsync(10_000);
                }
                catch (TimeoutException)
                {
                    Say("timeout ok=True");
                }

                try
                {
                    await Cluster.Proxy<INobody>().NothingAsync();
                }
                catch (ServiceNotFoundException e)
                {
                    Say($"not-served service={e.ServiceName}");
                }

                byte[] big = await probe.EchoBytesAsync(Enumerable.Range(0, 2_000_000).Select(i => (byte)i).ToArray());
                Say($"large length={big.Length} intact={big.Select((b, i) => b == (byte)i).All(x => x)}");
                return 0;
            }

            case "stopped-server":
            {
                // Worker 1 serves; the test stops it (SIGSTOP) once the primary says so. The
                // primary then makes more calls with a timeout than its inbox holds: the ones
                // that find no room must time out too, not wait for room forever.
                if (!Cluster.IsPrimary)
                {
                    Cluster.Serve<IProbe>(new Probe());
                    return 0;
                }

                await Cluster.WaitForServersAsync<IProbe>(Cluster.WorkerCount, token);
                int pid = Cluster.Workers.Single(w => w.Id == 1).ProcessId;
                Say("ready-to-stop");
                var clock = Stopwatch.StartNew();
                while (!File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].TrimStart().StartsWith('T') && clock.Elapsed < Bound)
                {
                    await Task.Delay(5);
                }

                IProbe impatient = Cluster.Proxy<IProbe>(RpcTarget.Worker(1), TimeSpan.FromMilliseconds(300));
                Task[] calls = [.. Enumerable.Range(0, 1500).Select(i => impatient.WhoAsync($"call-{i}"))];
                int timedOut = 0;
                foreach (Task call in calls)
                {
                    try
                    {
                        await call.WaitAsync(token);
                    }
                    catch (TimeoutException)
                    {
                        timedOut++;
                    }
                }

                Say($"stopped-server calls={calls.Length} timed-out={timedOut}");
                return 0;
            }

            case "kill-server":
            {
                // Worker 1 serves a call that never ends; the test kills it mid-call.
                if (!Cluster.IsPrimary)
                {
                    Cluster.Serve<IProbe>(new Probe());
                    return 0;
                }

                await Cluster.WaitForServersAsync<IProbe>(Cluster.WorkerCount, token);
                Task<int> call = Cluster.Proxy<IProbe>(RpcTarget.Worker(1)).HangAsync();
                try
                {
                    await call.WaitAsync(token);
                }
                catch (RemoteProcessDiedException e)
                {
                    Say($"died worker={e.WorkerId}");
                }

                try
                {
                    await Cluster.Proxy<IProbe>(RpcTarget.Worker(1)).WhoAsync("again");
                }
                catch (RemoteProcessDiedException)
                {
                    Say("dead-target refused=True");
                }

                return 0;
            }

            case "queue":
            {
                // Workers each write 2000 numbered items; the primary reads them all.
                int perWriter = int.Parse(args[1]);
                SharedQueue<long> queue = Cluster.Queues.Open<long>("items", capacity: 64);
                if (!Cluster.IsPrimary)
                {
                    for (int i = 0; i < perWriter; i++)
                    {
                        await queue.WriteAsync(((long)Cluster.WorkerId << 32) | (uint)i, token);
                    }

                    return 0;
                }

                var last = new Dictionary<int, int>();
                bool ordered = true;
                int maxSeen = 0;
                for (int n = 0; n < perWriter * Cluster.WorkerCount; n++)
                {
                    maxSeen = Math.Max(maxSeen, queue.Count);
                    long item = await queue.ReadAsync(token);
                    int writer = (int)(item >> 32), seq = (int)(uint)item;
                    ordered &= seq == last.GetValueOrDefault(writer, -1) + 1;
                    last[writer] = seq;
                }

                Say($"queue received={last.Values.Sum(v => v + 1)} writers={last.Count} ordered={ordered} max_waiting={maxSeen} capacity=64");
                return 0;
            }

            case "backpressure":
            {
                // Worker 1 writes 50 items into a queue of 4 while the primary reads slowly.
                SharedQueue<int> queue = Cluster.Queues.Open<int>("slow", capacity: 4);
                if (!Cluster.IsPrimary)
                {
                    for (int i = 0; i < 50; i++)
                    {
                        await queue.WriteAsync(i, token);
                    }

                    Cluster.Store.Set("writer-done", 1L);
                    queue.Complete();
                    return 0;
                }

                // Without backpressure the writer would be done before the slow reader read
                // a handful; with it, it can only be 4 (the capacity) ahead.
                int count = 0, max = 0, readWhenWriterDone = -1;
                await foreach (int item in queue.ReadAllAsync(token))
                {
                    if (readWhenWriterDone < 0 && Cluster.Store.ContainsKey("writer-done"))
                    {
                        readWhenWriterDone = count;
                    }

                    max = Math.Max(max, queue.Count);
                    count++;
                    await Task.Delay(2, token);
                }

                // The writer marks itself done after its last write, which the reader may
                // already have read: then it was held back to the very end.
                if (readWhenWriterDone < 0)
                {
                    readWhenWriterDone = count;
                }

                Say($"backpressure received={count} max_waiting={max} read_when_writer_done={readWhenWriterDone}");
                return 0;
            }

            case "events":
            {
                // Everyone subscribes, then the primary publishes three values.
                using EventSubscription<string> news = Cluster.Events.Subscribe<string>("news");
                Cluster.Store.Increment("subscribed");
                if (Cluster.IsPrimary)
                {
                    while (Cluster.Store.TryGet("subscribed", out long n) && n < everyone)
                    {
                        await Task.Delay(5, token);
                    }

                    foreach (string value in new[] { "one", "two", "three" })
                    {
                        int sent = await Cluster.Events.PublishAsync("news", value, token);
                        Say($"published value={value} to={sent}");
                    }
                }

                var got = new List<string>();
                await foreach (string value in news.WithCancellation(token))
                {
                    got.Add(value);
                    if (got.Count == 3)
                    {
                        break;
                    }
                }

                Say($"received id={Cluster.WorkerId} values={string.Join(',', got)}");
                await Done(everyone, token);
                return 0;
            }

            case "idle":
            {
                // Workers serve and subscribe, then everyone idles; the primary reports the
                // CPU the whole cluster used over one second of idling.
                Cluster.Serve<IProbe>(new Probe());
                using EventSubscription<int> sub = Cluster.Events.Subscribe<int>("idle");
                await Cluster.WaitForServersAsync<IProbe>(everyone, token);
                if (!Cluster.IsPrimary)
                {
                    return 0;
                }

                await Cluster.Proxy<IProbe>(RpcTarget.Worker(1)).WhoAsync("warm");
                await Task.Delay(1500, token);  // past every spin, and the JIT's background work
                int[] pids = [.. Cluster.Workers.Select(w => w.ProcessId)];
                long before = pids.Sum(CpuTicks);
                await Task.Delay(2000, token);
                long after = pids.Sum(CpuTicks);
                Say($"idle cpu_ticks={after - before} seconds=2 ticks_per_second=100 processes={pids.Length}");
                return 0;
            }

            case "shutdown-drain":
            {
                // The test sends SIGTERM to the launcher once the primary is ready. Every
                // process finishes up over messaging: workers write their last items to a
                // queue and keep serving; the primary gathers answers and items, then calls
                // worker 2, which exits mid-call, and must be told so.
                SharedQueue<string> last = Cluster.Queues.Open<string>("last", capacity: 16);
                CancellationToken stopping = Cluster.ShutdownToken;
                if (!Cluster.IsPrimary)
                {
                    Cluster.Serve<IProbe>(new Probe());
                    stopping.Register(() => _ = Task.Run(async () =>
                    {
                        await last.WriteAsync($"last-from-{Cluster.WorkerId}", token);
                        if (Cluster.WorkerId == 2)
                        {
                            while (!Cluster.Store.ContainsKey("exit-now") && !token.IsCancellationRequested)
                            {
                                await Task.Delay(5);
                            }

                            Environment.Exit(0);
                        }
                    }));
                    return 0;
                }

                await Cluster.WaitForServersAsync<IProbe>(Cluster.WorkerCount, token);
                Say("ready");
                try
                {
                    await Task.Delay(Bound, stopping);
                    Say("never-stopped");
                    return 3;
                }
                catch (OperationCanceledException)
                {
                }

                IReadOnlyList<string> answers = await Cluster.CallAllAsync<IProbe, string>(p => p.WhoAsync("last")).WaitAsync(token);
                Say($"drain answers={string.Join(',', answers)}");
                var items = new List<string>();
                for (int i = 0; i < Cluster.WorkerCount; i++)
                {
                    items.Add(await last.ReadAsync(token));
                }

                Say($"drain items={string.Join(',', items.Order())}");
                Task<int> inFlight = Cluster.Proxy<IProbe>(RpcTarget.Worker(2)).SlowIdAsync(20_000);
                Cluster.Store.Set("exit-now", 1L);
                try
                {
                    await inFlight.WaitAsync(token);
                    Say("drain in-flight=answered");
                }
                catch (RemoteProcessDiedException e)
                {
                    Say($"drain in-flight=died worker={e.WorkerId}");
                }

                return 0;
            }

            case "hold-queue-lock":
            {
                // Worker 1 takes the write lock of queue "held" itself (as a process stopped
                // inside a write would hold it) and says so; the primary then writes to that
                // queue on one thread while another collects garbage. A write that waits for
                // the lock without a GC transition would hold the collection up as long.
                SharedQueue<int> held = Cluster.Queues.Open<int>("held", capacity: 4);
                if (!Cluster.IsPrimary)
                {
                    ProbeInternals.LockQueueWriters(held);
                    Cluster.Store.Set("lock-held", 1L);
                    await Task.Delay(Timeout.Infinite, Cluster.ShutdownToken).ContinueWith(_ => { });
                    return 0;
                }

                while (!Cluster.Store.ContainsKey("lock-held") && !token.IsCancellationRequested)
                {
                    await Task.Delay(5);
                }

                var writer = new Thread(() =>
                {
                    try
                    {
                        held.TryWrite(1);
                    }
                    catch (Exception)
                    {
                        // ended by the process's exit, or by the lock's owner dying
                    }
                })
                { IsBackground = true };
                writer.Start();
                await Task.Delay(200, token);  // the writer is inside the native call by now
                var gc = new Thread(() =>
                {
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true);
                    Say("gc completed=True");
                })
                { IsBackground = true };
                var clock = Stopwatch.StartNew();
                gc.Start();
                bool completed = gc.Join(TimeSpan.FromSeconds(10));
                Say($"gc while-locked={(completed ? "completed" : "stalled")} writer_blocked={writer.IsAlive} ms={clock.ElapsedMilliseconds}");
                Environment.Exit(completed ? 0 : 4);  // the writer stays blocked: do not wait for it
                return 0;
            }

            case "types":
                return await TypedScenarios.TypesAsync(everyone, token);

            case "channel-batch":
                return await TypedScenarios.ChannelBatchAsync(args, token);

            default:
                Say($"unknown action {action}");
                return 2;
        }
    }

    /// <summary>Waits until every process reached this point (the primary's exit ends the cluster).</summary>
    static async Task Done(int everyone, CancellationToken token)
    {
        Cluster.Store.Increment("done");
        if (Cluster.IsPrimary)
        {
            while (Cluster.Store.TryGet("done", out long n) && n < everyone)
            {
                await Task.Delay(5, token);
            }
        }
    }

    /// <summary>utime + stime of a process, in clock ticks, from /proc/PID/stat.</summary>
    static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    internal static void Say(string line) => Console.WriteLine("probe " + line);

}

public interface IProbe
{
    Task<string> WhoAsync(string from);

    Task<int> SlowIdAsync(int milliseconds);

    Task FailAsync(string message);

    Task<int> WaitForCancellationAsync(CancellationToken cancellationToken);

    Task<int> HangAsync();

    Task<byte[]> EchoBytesAsync(byte[] bytes);
}

public interface INobody
{
    Task NothingAsync();
}

public sealed class Probe : IProbe
{
    public Task<string> WhoAsync(string from) => Task.FromResult($"{Cluster.WorkerId}/{Cluster.Role}/{from}");

    public async Task<int> SlowIdAsync(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return Cluster.WorkerId;
    }

    public Task FailAsync(string message) => throw new ArgumentException(message);

    public async Task<int> WaitForCancellationAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Cluster.Store.Set("server-cancelled", 1L);
            throw;
        }
    }

    public Task<int> HangAsync()
    {
        Console.WriteLine($"probe hanging id={Cluster.WorkerId}");
        return new TaskCompletionSource<int>().Task;
    }

    public Task<byte[]> EchoBytesAsync(byte[] bytes) => Task.FromResult(bytes);
}
