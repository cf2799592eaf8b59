// Clusters joined across "machines" (--join): several launchers, each with its own region,
// on one Redis or Garnet server. The test gives every launcher the same PROBE_SYNC_DIR, so
// the marker files (named by cluster-wide ids, which never collide) synchronize them all.
using DotnetWorkers;
using DotnetWorkers.Queues;

static class MultiHostScenario
{
    /// <param name="what">The scenario.</param>
    /// <param name="hosts">How many launchers take part.</param>
    /// <param name="total">How many processes all of them run together.</param>
    internal static int Run(string what, int hosts, int total)
    {
        switch (what)
        {
            case "hosts":
                Program.Say($"joined id={Cluster.WorkerId} host={Cluster.HostIndex} primary={Cluster.IsPrimary}");
                using (Cluster.HostIndex == 0 && Cluster.IsPrimary ? Cluster.Buffers.Open("mh:buf", 64) : null)
                {
                    Program.Arrive("mh-bound");
                    Program.AwaitAll("mh-bound", total);
                    if (Cluster.WorkerId % 1024 == 1)
                    {
                        // Host 0's primary holds the buffer: its own host shares it, the other host is told it cannot.
                        Program.Say($"buffer me={Cluster.HostIndex} {Catch(() => Cluster.Buffers.Open("mh:buf", 64).Dispose())}");
                    }

                    Program.Arrive("mh-buffer");
                    Program.AwaitAll("mh-buffer", total);
                }

                if (Cluster.IsPrimary)
                {
                    IReadOnlyList<HostInfo> seen = WaitForHosts(h => h.Count == hosts && h.Sum(x => x.Processes.Count(p => p.Status == WorkerStatus.Running)) == total);
                    Program.Say($"hosts me={Cluster.HostIndex} list={Describe(seen)} local={seen.Single(h => h.IsLocal).Index}");
                    Program.Say($"workers me={Cluster.HostIndex} ids={string.Join(',', Cluster.Workers.Select(w => w.Id))}");
                }
                break;

            case "store":
                // Everyone counts; one value of another type; every reader on every host sees them.
                for (int i = 0; i < 500; i++)
                {
                    Cluster.Store.Increment("mh:count");
                }

                if (Cluster.WorkerId == 0)
                {
                    Cluster.Store.Set("mh:text", "hello");
                    Cluster.Store.Set("mh:point", 3.5);
                    Program.Say($"added first={Cluster.Store.TryAdd("mh:once", 1L)} again={Cluster.Store.TryAdd("mh:once", 2L)}");
                }

                Program.Arrive("mh-stored");
                Program.AwaitAll("mh-stored", total);
                if (Cluster.IsPrimary)
                {
                    string mismatch = Catch(() => Cluster.Store.Get<long>("mh:text"));
                    string notCounter = Catch(() => Cluster.Store.Increment("mh:text"));
                    string missing = Catch(() => Cluster.Store.Get<string>("mh:none"));
                    bool swapped = Cluster.Store.CompareExchange("mh:text", "hello", $"hello from {Cluster.HostIndex}");
                    Program.Say($"store me={Cluster.HostIndex} count={Cluster.Store.Get<long>("mh:count")} point={Cluster.Store.Get<double>("mh:point")} " +
                                $"once={Cluster.Store.Get<long>("mh:once")} keys={string.Join(',', Cluster.Store.Keys("mh:").Order())} swapped={swapped}");
                    Program.Say($"mismatch me={Cluster.HostIndex} {mismatch}");
                    Program.Say($"not-counter me={Cluster.HostIndex} {notCounter}");
                    Program.Say($"missing me={Cluster.HostIndex} {missing}");
                }
                break;

            case "getorset":
                string value = Cluster.Store.GetOrSetAsync("mh:computed", async ct =>
                {
                    Program.Say($"computing id={Cluster.WorkerId}");
                    await Task.Delay(500, ct);
                    return $"by-{Cluster.WorkerId}";
                }).AsTask().Wait(Program.Bound) ? Cluster.Store.Get<string>("mh:computed") : "timeout";
                Program.Say($"got id={Cluster.WorkerId} value={value}");
                break;

            case "events":
            {
                // Every process of every host hears each host's one event once: its own
                // host's through the inboxes, the others' through the server.
                using var news = Cluster.Events.Subscribe<string>("mh:news");
                Program.Arrive("mh-subscribed");
                Program.AwaitAll("mh-subscribed", total);
                if (Cluster.IsPrimary)
                {
                    int sent = Cluster.Events.PublishAsync("mh:news", $"from-{Cluster.HostIndex}").AsTask().Result;
                    Program.Say($"published me={Cluster.HostIndex} sent={sent} subscribers={Cluster.Events.SubscriberCount("mh:news")}");
                }

                var heard = new List<string>();
                using var bound = new CancellationTokenSource(Program.Bound);
                var reading = Task.Run(async () =>
                {
                    while (heard.Count < hosts)
                    {
                        heard.Add(await news.Reader.ReadAsync(bound.Token));
                    }
                });
                reading.Wait(Program.Bound);
                Thread.Sleep(300);  // anything more (a duplicate) would come now
                Program.Say($"heard id={Cluster.WorkerId} list={string.Join(',', heard.Order())} more={news.Reader.TryRead(out string? extra)}{extra}");
            }
            break;

            case "lock":
            {
                // A read-modify-write of the store under the mutex, from every process of
                // every host: no update is lost only if the holds exclude each other.
                var mutex = Cluster.Locks.Mutex("mh:lock");
                long lastFence = 0;
                bool increasing = true;
                for (int i = 0; i < 30; i++)
                {
                    // Both ways of waiting, in turns: the blocking one and the asynchronous one.
                    using var lease = i % 2 == 0 ? mutex.Acquire(Program.Bound) : mutex.AcquireAsync(Program.Bound).AsTask().Result;
                    increasing &= lease.FencingToken > lastFence;
                    lastFence = lease.FencingToken;
                    long seen = Cluster.Store.TryGet("mh:guarded", out long v) ? v : 0;
                    Cluster.Store.Set("mh:guarded", seen + 1);
                }

                Program.Say($"locked id={Cluster.WorkerId} fences-increasing={increasing}");
                Program.Arrive("mh-locked");
                Program.AwaitAll("mh-locked", total);
                if (Cluster.IsPrimary)
                {
                    Program.Say($"guarded me={Cluster.HostIndex} total={Cluster.Store.Get<long>("mh:guarded")}");
                }
            }
            break;

            case "lock-abandon":
                if (Cluster.HostIndex == 0)
                {
                    if (Cluster.WorkerId == 1)
                    {
                        _ = Cluster.Locks.Mutex("mh:held").Acquire(Program.Bound);
                        Program.Arrive("mh-holding");
                        Program.Say($"holding id={Cluster.WorkerId}");
                    }

                    Thread.Sleep(Program.Bound);  // until the test kills this host
                    return 0;
                }

                Program.AwaitAll("mh-holding", 1);
                {
                    bool abandoned = false;
                    try
                    {
                        using var lease = Cluster.Locks.Mutex("mh:held").Acquire(Program.Bound);
                    }
                    catch (DotnetWorkers.Locks.SharedLockAbandonedException e)
                    {
                        abandoned = true;
                        e.Lease.Dispose();
                    }

                    Program.Say($"acquired id={Cluster.WorkerId} abandoned={abandoned}");
                }

                Program.Arrive("mh-acquired");
                Program.AwaitAll("mh-acquired", total);
                return 0;

            case "fence":
                if (Cluster.HostIndex == 0)
                {
                    if (Cluster.WorkerId == 1)
                    {
                        var lease = Cluster.Locks.Mutex("mh:fenced").Acquire(Program.Bound);
                        bool first = FencedWrite(lease, "first");
                        Program.Say($"holding id={Cluster.WorkerId} fence={lease.FencingToken} accepted={first}");
                        Program.Arrive("mh-fenced-held");
                        // The test stops this process past its lease here; the other host takes the lock.
                        Program.AwaitAll("mh-fence-taken", 1);
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        while (!lease.IsLost && clock.Elapsed < Program.Bound)
                        {
                            Thread.Sleep(20);  // until a renewal runs, and finds the lease gone
                        }

                        bool late = FencedWrite(lease, "late");
                        Program.Say($"late-write accepted={late} lost={lease.IsLost} stored={Cluster.Store.Get<string>("mh:fenced-value")}");
                        Program.Arrive("mh-late-done");
                    }
                    else
                    {
                        Program.AwaitAll("mh-late-done", 1);
                    }

                    Program.Arrive("mh-end");
                    if (Cluster.IsPrimary)
                    {
                        Program.AwaitAll("mh-end", total);
                    }

                    return 0;
                }

                Program.AwaitAll("mh-fenced-held", 1);
                if (Cluster.IsPrimary)
                {
                    DotnetWorkers.Locks.SharedLockLease taken;
                    bool wasAbandoned = false;
                    try
                    {
                        taken = Cluster.Locks.Mutex("mh:fenced").Acquire(Program.Bound);
                    }
                    catch (DotnetWorkers.Locks.SharedLockAbandonedException e)
                    {
                        taken = e.Lease;
                        wasAbandoned = true;
                    }

                    bool second = FencedWrite(taken, "second");
                    Program.Say($"taken fence={taken.FencingToken} abandoned={wasAbandoned} accepted={second}");
                    Program.Arrive("mh-fence-taken");
                    Program.AwaitAll("mh-late-done", 1);
                    taken.Dispose();
                }

                break;

            case "document":
            {
                // The shared document is made of the store, a lock and events, so joined it
                // is one document across hosts: every process of both hosts patches it.
                DotnetWorkers.Documents.SharedDocument document = Cluster.Documents.Open("mh-doc", """{"count": 0, "log": []}""");
                Program.Arrive("mh-opened");
                Program.AwaitAll("mh-opened", total);
                for (int i = 0; i < 20; i++)
                {
                    document.Patch(DotnetWorkers.Documents.Update.Inc("count", 1).Push("log", $"{Cluster.WorkerId}:{i}"));
                }

                Program.Arrive("mh-patched");
                Program.AwaitAll("mh-patched", total);
                if (Cluster.IsPrimary)
                {
                    (System.Text.Json.Nodes.JsonObject final, long version) = document.Read();
                    string[] log = [.. final["log"]!.AsArray().Select(n => n!.GetValue<string>())];
                    bool inOrder = log.GroupBy(e => e[..e.IndexOf(':')])
                        .All(g => g.Select(e => int.Parse(e[(e.IndexOf(':') + 1)..])).SequenceEqual(Enumerable.Range(0, 20)));
                    Program.Say($"doc me={Cluster.HostIndex} count={final["count"]} version={version} log={log.Length} writers-in-order={inOrder}");
                }
            }

            break;

            case "restart":
            {
                // Increments while the test kills the server and starts it again: the ones
                // that returned are counted as acknowledged, the ones that threw as unknown.
                long acknowledged = 0, failed = 0, afterRestart = 0;
                string sync = Environment.GetEnvironmentVariable("PROBE_SYNC_DIR")!;
                string restarted = Path.Combine(sync, "mh-restarted"), stop = Path.Combine(sync, "mh-stop");
                Program.Arrive("mh-loading");
                while (!File.Exists(stop))
                {
                    bool after = File.Exists(restarted);  // looked at before the increment: it counts as after only if sent after
                    try
                    {
                        Cluster.Store.Increment("mh:restart");
                        acknowledged++;
                        afterRestart += after ? 1 : 0;
                    }
                    catch (DotnetWorkersException)
                    {
                        failed++;
                        Thread.Sleep(20);
                    }
                }

                Program.Say($"restart id={Cluster.WorkerId} acknowledged={acknowledged} failed={failed} resumed={afterRestart}");
                Program.Arrive("mh-counted");
                Program.AwaitAll("mh-counted", total);
                if (Cluster.IsPrimary)
                {
                    Program.Say($"restart-total value={Cluster.Store.Get<long>("mh:restart")}");
                }
            }

            break;

            case "takeover":
                // Host 0's worker 1 takes the computation and never finishes it: the test kills
                // its whole launcher. Every process of the other host waits, then takes over.
                if (Cluster.HostIndex == 0)
                {
                    if (Cluster.WorkerId == 1)
                    {
                        _ = Cluster.Store.GetOrSetAsync<string>("mh:taken", async ct =>
                        {
                            Program.Arrive("mh-computing");
                            Program.Say($"computing id={Cluster.WorkerId}");
                            await Task.Delay(Timeout.Infinite, ct);
                            return "never";
                        }).AsTask();
                    }

                    Thread.Sleep(Program.Bound);
                    return 0;
                }

                Program.AwaitAll("mh-computing", 1);
                Task<string> got = Cluster.Store.GetOrSetAsync("mh:taken", async ct =>
                {
                    Program.Say($"taking-over id={Cluster.WorkerId}");
                    await Task.Delay(100, ct);
                    return $"by-{Cluster.WorkerId}";
                }).AsTask();
                Program.Say($"got id={Cluster.WorkerId} value={(got.Wait(Program.Bound) ? got.Result : "timeout")}");
                Program.Arrive("mh-got");
                Program.AwaitAll("mh-got", total);
                if (Cluster.IsPrimary)
                {
                    IReadOnlyList<HostInfo> left = WaitForHosts(h => h.Count == 1);
                    Program.Say($"hosts-after list={Describe(left)}");
                }
                return 0;

            case "queue":
                Queue(hosts, total);
                break;

            case "queue-redeliver":
                if (!QueueRedeliver(total))
                {
                    return 0;  // the doomed host: the test killed it
                }

                break;

            default:
                Program.Say($"unknown multihost scenario {what}");
                return 2;
        }

        // A primary's exit ends its host (its heartbeat, and its workers, done or not): every
        // host stays until every process of every host is done.
        Program.Arrive("mh-end");
        if (Cluster.IsPrimary)
        {
            Program.AwaitAll("mh-end", total);
        }

        return 0;
    }

    /// <summary>
    /// One queue across hosts: host 0's primary writes 400 numbers into a queue of 16 (so it
    /// waits for room), half one by one, half in batches, then completes it; every other
    /// process of every host reads, half one by one, half in batches. A second queue is
    /// completed with an error every reader on every host is told.
    /// </summary>
    private static void Queue(int hosts, int total)
    {
        var jobs = Cluster.Queues.Open<int>("mh:jobs", capacity: 16);
        var failed = Cluster.Queues.Open<string>("mh:failed", capacity: 4);
        if (Cluster.HostIndex == 1 && Cluster.IsPrimary)
        {
            Program.Say($"queue-type {Catch(() => Cluster.Queues.Open<string>("mh:jobs", capacity: 16))}");
            Program.Say($"queue-capacity {Catch(() => Cluster.Queues.Open<int>("mh:jobs", capacity: 64))}");
        }

        Program.Arrive("mh-queue-open");
        Program.AwaitAll("mh-queue-open", total);
        using var bound = new CancellationTokenSource(Program.Bound);
        if (Cluster.HostIndex == 0 && Cluster.IsPrimary)
        {
            for (int i = 0; i < 200; i++)
            {
                jobs.WriteAsync(i, bound.Token).AsTask().Wait(bound.Token);
            }

            int[] rest = [.. Enumerable.Range(200, 200)];
            for (int written = 0; written < rest.Length;)
            {
                int now = jobs.TryWriteMany(rest.AsSpan(written));
                written += now;
                if (now == 0)
                {
                    jobs.WaitToWriteAsync(bound.Token).AsTask().Wait(bound.Token);
                }
            }

            jobs.Complete();
            Program.Say($"queue-written count=400 after-complete={Catch(() => jobs.TryWrite(400))}");
            failed.Writer.TryComplete(new InvalidOperationException("no more work"));
            return;
        }

        var read = new List<int>();
        Task reading = Task.Run(async () =>
        {
            if (Cluster.WorkerId % 2 == 0)
            {
                await foreach (int value in jobs.ReadAllAsync(bound.Token))
                {
                    read.Add(value);
                }
            }
            else
            {
                int[] batch = new int[10];
                while (await jobs.WaitToReadAsync(bound.Token))
                {
                    int n = jobs.TryReadMany(batch);
                    read.AddRange(batch.AsSpan(0, n));
                }
            }
        });
        bool drained = reading.Wait(Program.Bound) && jobs.Reader.Completion.Wait(Program.Bound);
        bool ordered = read.Zip(read.Skip(1)).All(p => p.First < p.Second);
        // The values in a file of their own: a line this long could interleave with another process's.
        File.WriteAllText(Path.Combine(Environment.GetEnvironmentVariable("PROBE_SYNC_DIR")!, $"queue-values-{Cluster.WorkerId}"), string.Join(',', read));
        Program.Say($"queue-read id={Cluster.WorkerId} drained={drained} ordered={ordered} count={read.Count}");
        string closed;
        try
        {
            closed = $"read {failed.ReadAsync(bound.Token).AsTask().GetAwaiter().GetResult()}";
        }
        catch (System.Threading.Channels.ChannelClosedException e)
        {
            closed = $"closed inner={e.InnerException?.GetType().Name}: {e.InnerException?.Message}";
        }

        Program.Say($"queue-failed id={Cluster.WorkerId} {closed} completion={Catch(() => failed.Reader.Completion.GetAwaiter().GetResult())}");
    }

    /// <summary>
    /// Host 0's worker 1 writes ten numbers, takes four, releases the fourth (by disposing of
    /// it) and never acknowledges the other three: the test kills its launcher. The other
    /// host's processes only read (no take of their own names them takers): they read until
    /// all ten are counted, the three coming again once a reader finds their taker dead.
    /// A second queue is completed with one message in it, which the doomed worker took:
    /// its readers on the other host wait for it, not ending at the completion.
    /// </summary>
    /// <returns>False on the doomed host.</returns>
    private static bool QueueRedeliver(int total)
    {
        var jobs = Cluster.Queues.Open<int>("mh:redeliver", capacity: 64);
        var last = Cluster.Queues.Open<int>("mh:last", capacity: 4);
        if (Cluster.HostIndex == 0)
        {
            if (Cluster.WorkerId == 1)
            {
                last.TryWrite(42);
                last.Complete();
                _ = last.TakeAsync().AsTask().Result;  // never acknowledged: the completed queue is not drained while it is held
                for (int i = 0; i < 10; i++)
                {
                    jobs.TryWrite(i);
                }

                var held = new List<int>();
                for (int i = 0; i < 3; i++)
                {
                    held.Add(jobs.TakeAsync().AsTask().Result.Value);  // never acknowledged
                }

                TakenMessage<int> released = jobs.TakeAsync().AsTask().Result;
                released.DisposeAsync().AsTask().Wait(Program.Bound);  // given back, unacknowledged
                Program.Say($"holding id={Cluster.WorkerId} values={string.Join(',', held)} released={released.Value} left={jobs.Count}");
                Program.Arrive("mh-holding");
            }

            Thread.Sleep(Program.Bound);  // until the test kills this host
            return false;
        }

        Program.AwaitAll("mh-holding", 1);
        var read = new List<int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Cluster.Store.TryGet("mh:read", out long count) is var found && (!found || count < 10) && clock.Elapsed < Program.Bound)
        {
            using var pause = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                read.Add(jobs.ReadAsync(pause.Token).AsTask().GetAwaiter().GetResult());
                Cluster.Store.Increment("mh:read");
            }
            catch (OperationCanceledException)
            {
            }
        }

        Program.Say($"read id={Cluster.WorkerId} values={string.Join(',', read)} left={jobs.Count}");
        var lastRead = new List<int>();
        using (var bound = new CancellationTokenSource(Program.Bound))
        {
            Task.Run(async () =>
            {
                await foreach (int value in last.ReadAllAsync(bound.Token))
                {
                    lastRead.Add(value);
                }
            }).Wait(Program.Bound);
        }

        Program.Say($"last id={Cluster.WorkerId} values={string.Join(',', lastRead)} drained={last.Reader.Completion.Wait(Program.Bound)}");
        Program.Arrive("mh-read");
        Program.AwaitAll("mh-read", total);
        return true;
    }

    /// <summary>
    /// A write to a resource that remembers the highest fencing token it was written with,
    /// and refuses a lower one: what the lease's token is for. The resource is a store value
    /// "TOKEN|TEXT", replaced atomically (AddOrUpdate) unless its token is higher.
    /// </summary>
    private static bool FencedWrite(DotnetWorkers.Locks.SharedLockLease lease, string text)
    {
        string mine = $"{lease.FencingToken}|{text}";
        string stored = Cluster.Store.AddOrUpdate("mh:fenced-value", mine,
            current => long.Parse(current.Split('|')[0]) > lease.FencingToken ? current : mine);
        return stored == mine;
    }

    private static IReadOnlyList<HostInfo> WaitForHosts(Func<IReadOnlyList<HostInfo>, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            IReadOnlyList<HostInfo> hosts = Cluster.Hosts;
            if (done(hosts) || clock.Elapsed > Program.Bound)
            {
                return hosts;
            }

            Thread.Sleep(50);
        }
    }

    private static string Describe(IReadOnlyList<HostInfo> hosts) =>
        string.Join(';', hosts.Select(h => $"{h.Index}:{string.Join(',', h.Processes.Where(p => p.Status == WorkerStatus.Running).Select(p => p.WorkerId))}"));

    private static string Catch(Action action)
    {
        try
        {
            action();
            return "no-exception";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
