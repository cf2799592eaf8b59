namespace DotnetWorkers.LauncherTests;

/// <summary>
/// Clusters joined across machines (--join): two and three launchers, each with its own
/// region, on one real Redis or Garnet server started on loopback, as separate machines
/// would be. Against Redis with a password (from a file for one launcher, from
/// DOTNET_WORKERS_REDIS_PASSWORD for another), against Garnet without one; the probe as a
/// CoreCLR app, and against Redis also as a NativeAOT executable (StackExchange.Redis compiled ahead of time).
/// </summary>
[TestFixture("redis", "CoreCLR")]
[TestFixture("garnet", "CoreCLR")]
[TestFixture("redis", "NativeAOT")]
[NonParallelizable]
public class MultiHostTests(string kind, string runtime)
{
    private string Probe => runtime == "NativeAOT" ? Paths.NativeAot("ClusterProbe") : Paths.Probe;

    private JoinServer _server = null!;
    private string _syncDir = null!;
    private string _passwordFile = null!;
    private string _cluster = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = JoinServer.Start(kind);

    [OneTimeTearDown]
    public void StopServer() => _server.Dispose();

    [SetUp]
    public void NewCluster()
    {
        // A cluster name per test: each starts with no hosts and no keys on the shared server.
        _cluster = $"t{Guid.NewGuid():N}"[..12];
        _syncDir = Directory.CreateTempSubdirectory("dw-multihost-").FullName;
        _passwordFile = Path.Combine(_syncDir, "password");
        File.WriteAllText(_passwordFile, (_server.Password ?? "") + "\n");
    }

    [TearDown]
    public void RemoveSyncDir() => Directory.Delete(_syncDir, recursive: true);

    /// <summary>Launcher <paramref name="host"/> of the test's cluster: odd ones take the password from the environment, even ones from a file.</summary>
    private LauncherRun StartHost(int host, int workers, params string[] probeArgs)
    {
        var environment = new Dictionary<string, string> { ["PROBE_SYNC_DIR"] = _syncDir };
        var args = new List<string> { $"--workers={workers}", "--join", _server.Url(_cluster) };
        if (_server.Password is { } password)
        {
            if (host % 2 == 1)
            {
                environment["DOTNET_WORKERS_REDIS_PASSWORD"] = password;
            }
            else
            {
                args.AddRange(["--join-password-file", _passwordFile]);
            }
        }

        args.Add(Probe);
        args.AddRange(probeArgs);
        return LauncherRun.StartWithEnvironment(environment, [.. args]);
    }

    [Test]
    public void TwoHosts_SeeEachOther_AndTheirIdsAreUniqueAcrossHosts()
    {
        using LauncherRun first = StartHost(0, 2, "multihost", "hosts", "2", "6");
        first.WaitForLines(l => l.StartsWith("probe joined ", StringComparison.Ordinal), 3);  // host 0: it joined first
        using LauncherRun second = StartHost(1, 2, "multihost", "hosts", "2", "6");

        Assert.That(first.WaitForExit(), Is.Zero, first.Transcript());
        Assert.That(second.WaitForExit(), Is.Zero, second.Transcript());
        Assert.Multiple(() =>
        {
            Assert.That(first.ProbeLines, Does.Contain("hosts me=0 list=0:0,1,2;1:1024,1025,1026 local=0"), first.Transcript());
            Assert.That(second.ProbeLines, Does.Contain("hosts me=1 list=0:0,1,2;1:1024,1025,1026 local=1"), second.Transcript());
            Assert.That(first.Identities.Select(f => f["id"]), Is.EquivalentTo(new[] { "0", "1", "2" }));
            Assert.That(second.Identities.Select(f => f["id"]), Is.EquivalentTo(new[] { "1024", "1025", "1026" }));
            Assert.That(second.ProbeLines, Has.Some.StartsWith("joined id=1024 host=1 primary=True"));
            Assert.That(second.ProbeLines, Does.Contain("workers me=1 ids=1024,1025,1026"), "Cluster.Workers speaks cluster-wide ids too");
            Assert.That(first.ProbeLines, Does.Contain("buffer me=0 no-exception"), "a buffer is shared within its host");
            Assert.That(second.ProbeLines, Does.Contain(
                "buffer me=1 InvalidOperationException: The buffer 'mh:buf' is host 0's: its bytes are in that machine's memory and cannot be shared with host 1 " +
                "(joined across machines, shared buffers stay on one host). Pass the data through the store, a queue or an event instead."));
        });
    }

    [Test]
    public void Store_IsOneStoreAcrossThreeHosts()
    {
        using LauncherRun first = StartHost(0, 1, "multihost", "store", "3", "6");
        first.WaitForLines(l => l.StartsWith("probe identity ", StringComparison.Ordinal), 2);
        using LauncherRun second = StartHost(1, 1, "multihost", "store", "3", "6");
        using LauncherRun third = StartHost(2, 1, "multihost", "store", "3", "6");

        foreach (LauncherRun run in new[] { first, second, third })
        {
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        }

        Assert.Multiple(() =>
        {
            string[] stores = [.. new[] { first, second, third }.SelectMany(r => r.ProbeLines).Where(l => l.StartsWith("store ", StringComparison.Ordinal))];
            Assert.That(stores, Has.Length.EqualTo(3));
            Assert.That(stores, Has.All.Contains("count=3000 point=3.5 once=1 keys=mh:count,mh:once,mh:point,mh:text"), "every host's primary read every host's writes");
            Assert.That(stores.Count(l => l.EndsWith("swapped=True", StringComparison.Ordinal)), Is.EqualTo(1), "one compare-exchange of the three won");
            Assert.That(first.ProbeLines, Does.Contain("added first=True again=False"));
            foreach (LauncherRun run in new[] { first, second, third })
            {
                // Which of the second and third launchers claimed index 1 is a race: "me=" is not asserted.
                Assert.That(run.ProbeLines, Has.Some.Matches<string>(l => l.StartsWith("mismatch me=", StringComparison.Ordinal) &&
                    l.EndsWith(" SharedTypeMismatchException: The value under 'mh:text' is System.String, not System.Int64: read it with the type it was stored with.", StringComparison.Ordinal)), run.Transcript());
                Assert.That(run.ProbeLines, Has.Some.Matches<string>(l => l.StartsWith("not-counter me=", StringComparison.Ordinal) &&
                    l.EndsWith(" SharedTypeMismatchException: The value under 'mh:text' is System.String, not System.Int64: read it with the type it was stored with.", StringComparison.Ordinal)), run.Transcript());
                Assert.That(run.ProbeLines, Has.Some.Matches<string>(l => l.StartsWith("missing me=", StringComparison.Ordinal) &&
                    l.EndsWith(" KeyNotFoundException: The store has no value under 'mh:none'.", StringComparison.Ordinal)), run.Transcript());
            }
        });
    }

    [Test]
    public void Events_ReachEveryProcessOfEveryHost_Once()
    {
        using LauncherRun first = StartHost(0, 1, "multihost", "events", "2", "4");
        first.WaitForLines(l => l.StartsWith("probe identity ", StringComparison.Ordinal), 2);
        using LauncherRun second = StartHost(1, 1, "multihost", "events", "2", "4");

        Assert.That(first.WaitForExit(), Is.Zero, first.Transcript());
        Assert.That(second.WaitForExit(), Is.Zero, second.Transcript());
        string[] lines = [.. first.ProbeLines.Concat(second.ProbeLines)];
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.StartsWith("heard ", StringComparison.Ordinal)).Order(), Is.EqualTo(new[]
            {
                "heard id=0 list=from-0,from-1 more=False",
                "heard id=1 list=from-0,from-1 more=False",
                "heard id=1024 list=from-0,from-1 more=False",
                "heard id=1025 list=from-0,from-1 more=False",
            }), string.Join('\n', lines));
            Assert.That(lines, Does.Contain("published me=0 sent=4 subscribers=4"), "two here, two on the other host");
            Assert.That(lines, Does.Contain("published me=1 sent=4 subscribers=4"));
        });
    }

    [Test]
    public void Mutex_ExcludesEveryProcessOfEveryHost_WithRisingFencingTokens()
    {
        using LauncherRun first = StartHost(0, 1, "multihost", "lock", "2", "4");
        using LauncherRun second = StartHost(1, 1, "multihost", "lock", "2", "4");

        Assert.That(first.WaitForExit(), Is.Zero, first.Transcript());
        Assert.That(second.WaitForExit(), Is.Zero, second.Transcript());
        string[] lines = [.. first.ProbeLines.Concat(second.ProbeLines)];
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.StartsWith("guarded ", StringComparison.Ordinal)), Has.All.EndsWith(" total=120"), "4 processes x 30 unguarded read-modify-writes, none lost");
            Assert.That(lines.Count(l => l.StartsWith("locked ", StringComparison.Ordinal) && l.EndsWith("fences-increasing=True", StringComparison.Ordinal)), Is.EqualTo(4));
        });
    }

    [Test]
    public void Mutex_HeldByAKilledHost_GoesToAnotherHost_WhichIsTold()
    {
        using LauncherRun doomed = StartHost(0, 1, "multihost", "lock-abandon", "2", "2");
        doomed.WaitForLines(l => l == "probe holding id=1", 1);
        using LauncherRun survivor = StartHost(1, 1, "multihost", "lock-abandon", "2", "2");
        survivor.WaitForLines(l => l.StartsWith("probe identity ", StringComparison.Ordinal), 2);

        Posix.Kill(doomed.Pid, Posix.SIGKILL);

        Assert.That(survivor.WaitForExit(), Is.Zero, survivor.Transcript());
        var acquired = survivor.ProbeLines.Where(l => l.StartsWith("acquired ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(acquired.Select(f => f["id"]), Is.EquivalentTo(new[] { "1024", "1025" }), survivor.Transcript());
            Assert.That(acquired.Count(f => f["abandoned"] == "True"), Is.EqualTo(1), "the first to get it after the lease ran out is told; the next is not");
        });
    }

    [Test]
    public void ALockHolderPausedPastItsLease_IsRefusedByItsFencingToken()
    {
        using LauncherRun paused = StartHost(0, 1, "multihost", "fence", "2", "4");
        paused.WaitForLines(l => l.StartsWith("probe holding id=1 ", StringComparison.Ordinal), 1);
        int holder = int.Parse(paused.Identities.Single(f => f["id"] == "1")["pid"]);
        Posix.Kill(holder, Posix.SIGSTOP);  // a GC pause, a VM migration: past the 3 s lease
        using LauncherRun other = StartHost(1, 1, "multihost", "fence", "2", "4");
        try
        {
            other.WaitForLines(l => l.StartsWith("probe taken ", StringComparison.Ordinal), 1);
        }
        finally
        {
            Posix.Kill(holder, Posix.SIGCONT);
        }

        Assert.That(paused.WaitForExit(), Is.Zero, paused.Transcript());
        Assert.That(other.WaitForExit(), Is.Zero, other.Transcript());
        var held = LauncherRun.Fields(paused.ProbeLines.Single(l => l.StartsWith("holding ", StringComparison.Ordinal)));
        var taken = LauncherRun.Fields(other.ProbeLines.Single(l => l.StartsWith("taken ", StringComparison.Ordinal)));
        Assert.Multiple(() =>
        {
            Assert.That(held["accepted"], Is.EqualTo("True"));
            Assert.That(long.Parse(taken["fence"]), Is.GreaterThan(long.Parse(held["fence"])));
            Assert.That(taken["abandoned"], Is.EqualTo("True"), "its holder never let go");
            Assert.That(taken["accepted"], Is.EqualTo("True"));
            Assert.That(paused.ProbeLines, Does.Contain($"late-write accepted=False lost=True stored={taken["fence"]}|second"), paused.Transcript());
        });
    }

    [Test]
    public void Document_IsOneDocumentAcrossHosts()
    {
        using LauncherRun first = StartHost(0, 1, "multihost", "document", "2", "4");
        using LauncherRun second = StartHost(1, 1, "multihost", "document", "2", "4");

        Assert.That(first.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, first.Transcript());
        Assert.That(second.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, second.Transcript());
        string[] docs = [.. first.ProbeLines.Concat(second.ProbeLines).Where(l => l.StartsWith("doc ", StringComparison.Ordinal))];
        Assert.That(docs, Has.Length.EqualTo(2));
        Assert.That(docs, Has.All.EndsWith(" count=80 version=80 log=80 writers-in-order=True"), "created once, no patch lost, each writer's order kept");
    }

    [Test]
    public void Queue_IsOneQueueAcrossThreeHosts_EachMessageReadOnce_InOrder()
    {
        using LauncherRun first = StartHost(0, 1, "multihost", "queue", "3", "6");
        first.WaitForLines(l => l.StartsWith("probe identity ", StringComparison.Ordinal), 2);  // host 0: its primary writes
        using LauncherRun second = StartHost(1, 1, "multihost", "queue", "3", "6");
        using LauncherRun third = StartHost(2, 1, "multihost", "queue", "3", "6");

        foreach (LauncherRun run in new[] { first, second, third })
        {
            Assert.That(run.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, run.Transcript());
        }

        string[] lines = [.. new[] { first, second, third }.SelectMany(r => r.ProbeLines)];
        var reads = lines.Where(l => l.StartsWith("queue-read ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        int[] values = [.. Directory.GetFiles(_syncDir, "queue-values-*")
            .SelectMany(f => File.ReadAllText(f).Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse)];
        Assert.Multiple(() =>
        {
            Assert.That(reads, Has.Count.EqualTo(5), string.Join('\n', lines));
            Assert.That(reads.Sum(f => int.Parse(f["count"])), Is.EqualTo(400));
            Assert.That(reads.Select(f => f["drained"]), Has.All.EqualTo("True"), "ReadAllAsync ended and Completion completed on every host");
            Assert.That(reads.Select(f => f["ordered"]), Has.All.EqualTo("True"), "one writer's messages are read in its order");
            Assert.That(values.Order(), Is.EqualTo(Enumerable.Range(0, 400)), "every message read, none twice");
            Assert.That(first.ProbeLines, Does.Contain("queue-written count=400 after-complete=ChannelClosedException: The queue 'mh:jobs' was completed."));
            Assert.That(lines, Does.Contain("queue-type SharedTypeMismatchException: The queue 'mh:jobs' carries System.Int32, not System.String: open it with the type it was created with."));
            Assert.That(lines, Does.Contain("queue-capacity InvalidOperationException: Opening the queue 'mh:jobs': it exists with a capacity of 16 messages, not 64."));
            string[] failed = [.. lines.Where(l => l.StartsWith("queue-failed ", StringComparison.Ordinal))];
            Assert.That(failed, Has.Length.EqualTo(5));
            Assert.That(failed, Has.All.Contains(" closed inner=RemoteException: ").And.All.Contains("no more work"), "the completion's error reached every host");
            Assert.That(failed, Has.All.Contains(" completion=RemoteException: "));
        });
    }

    [Test]
    public void QueueMessages_TakenByAKilledHost_AndNotAcknowledged_AreDeliveredAgain()
    {
        using LauncherRun doomed = StartHost(0, 1, "multihost", "queue-redeliver", "2", "2");
        doomed.WaitForLines(l => l.StartsWith("probe holding id=1 ", StringComparison.Ordinal), 1);
        using LauncherRun survivor = StartHost(1, 1, "multihost", "queue-redeliver", "2", "2");
        survivor.WaitForLines(l => l.StartsWith("probe identity ", StringComparison.Ordinal), 2);
        int[] doomedPids = [.. doomed.ReportedPids];

        Posix.Kill(doomed.Pid, Posix.SIGKILL);

        LauncherRun.AssertAllDead(doomedPids);
        Assert.That(survivor.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, survivor.Transcript());
        var held = LauncherRun.Fields(doomed.ProbeLines.Single(l => l.StartsWith("holding ", StringComparison.Ordinal)));
        var reads = survivor.ProbeLines.Where(l => l.StartsWith("read ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        int[] values = [.. reads.SelectMany(f => f["values"].Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse)];
        Assert.Multiple(() =>
        {
            Assert.That(held["values"], Is.EqualTo("0,1,2"));
            Assert.That(held["released"], Is.EqualTo("3"));
            Assert.That(held["left"], Is.EqualTo("7"), "the released one went back");
            Assert.That(reads, Has.Count.EqualTo(2), survivor.Transcript());
            Assert.That(values.Order(), Is.EqualTo(Enumerable.Range(0, 10)), "the three the dead host took came again, to processes that only read; none twice");
            Assert.That(reads.Select(f => f["left"]), Has.All.EqualTo("0"));
            var last = survivor.ProbeLines.Where(l => l.StartsWith("last ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
            Assert.That(last.Select(f => f["values"]).Where(v => v.Length > 0), Is.EqualTo(new[] { "42" }),
                "a completed queue whose last message another process took is not drained until it comes back; then it is read once");
            Assert.That(last.Select(f => f["drained"]), Has.All.EqualTo("True"));
        });
    }

    [Test]
    public void GetOrSet_ComputesOnceAcrossHosts()
    {
        using LauncherRun first = StartHost(0, 2, "multihost", "getorset", "2", "6");
        using LauncherRun second = StartHost(1, 2, "multihost", "getorset", "2", "6");

        Assert.That(first.WaitForExit(), Is.Zero, first.Transcript());
        Assert.That(second.WaitForExit(), Is.Zero, second.Transcript());
        string[] lines = [.. first.ProbeLines.Concat(second.ProbeLines)];
        var got = lines.Where(l => l.StartsWith("got ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(lines.Count(l => l.StartsWith("computing ", StringComparison.Ordinal)), Is.EqualTo(1), string.Join('\n', lines));
            Assert.That(got, Has.Count.EqualTo(6));
            Assert.That(got.Select(f => f["value"]).Distinct().Single(), Does.StartWith("by-"), "everyone got the one computed value");
        });
    }

    [Test]
    public void GetOrSet_IsTakenOverByAnotherHost_WhenTheComputingHostIsKilled()
    {
        using LauncherRun doomed = StartHost(0, 1, "multihost", "takeover", "2", "2");
        doomed.WaitForLines(l => l == "probe computing id=1", 1);
        using LauncherRun survivor = StartHost(1, 1, "multihost", "takeover", "2", "2");
        survivor.WaitForLines(l => l.StartsWith("probe identity ", StringComparison.Ordinal), 2);
        int[] doomedPids = [.. doomed.ReportedPids];

        Posix.Kill(doomed.Pid, Posix.SIGKILL);  // the whole machine, as far as the cluster can tell

        LauncherRun.AssertAllDead(doomedPids);
        Assert.That(survivor.WaitForExit(), Is.Zero, survivor.Transcript());
        var got = survivor.ProbeLines.Where(l => l.StartsWith("got ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(survivor.ProbeLines.Count(l => l.StartsWith("taking-over ", StringComparison.Ordinal)), Is.EqualTo(1), survivor.Transcript());
            Assert.That(got.Select(f => f["id"]), Is.EquivalentTo(new[] { "1024", "1025" }));
            Assert.That(got.Select(f => f["value"]).Distinct().Single(), Is.AnyOf("by-1024", "by-1025"), "one survivor took over; both got its value");
            Assert.That(survivor.ProbeLines, Does.Contain("hosts-after list=1:1024,1025"), "the dead host left Cluster.Hosts");
        });
    }
}

/// <summary>A joined cluster's server killed and started again under load (Redis with every write fsynced before its reply).</summary>
[NonParallelizable]
public class JoinServerRestartTests
{
    [Test]
    public void TheServerKilledAndRestarted_UnderLoad_LosesNoAcknowledgedWrite_AndTheClusterCarriesOn()
    {
        using JoinServer server = JoinServer.Start("redis", durable: true);
        string syncDir = Directory.CreateTempSubdirectory("dw-multihost-").FullName;
        try
        {
            using var run = LauncherRun.StartWithEnvironment(
                new Dictionary<string, string> { ["PROBE_SYNC_DIR"] = syncDir, ["DOTNET_WORKERS_REDIS_PASSWORD"] = server.Password! },
                "--workers=1", "--join", server.Url("restart"), Paths.Probe, "multihost", "restart", "1", "2");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Directory.GetFiles(syncDir, "mh-loading-*").Length < 2 && clock.Elapsed < LauncherRun.DefaultBound)
            {
                Thread.Sleep(20);
            }

            Thread.Sleep(500);  // under load
            server.KillAndRestart(TimeSpan.FromSeconds(1));
            File.Create(Path.Combine(syncDir, "mh-restarted")).Dispose();
            Thread.Sleep(3000);  // reconnected, under load again
            File.Create(Path.Combine(syncDir, "mh-stop")).Dispose();

            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript() + server.Output);
            var counts = run.ProbeLines.Where(l => l.StartsWith("restart ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
            long acknowledged = counts.Sum(f => long.Parse(f["acknowledged"]));
            long failed = counts.Sum(f => long.Parse(f["failed"]));
            long total = long.Parse(LauncherRun.Fields(run.ProbeLines.Single(l => l.StartsWith("restart-total ", StringComparison.Ordinal)))["value"]);
            Assert.Multiple(() =>
            {
                Assert.That(counts, Has.Count.EqualTo(2));
                Assert.That(total, Is.GreaterThanOrEqualTo(acknowledged), "no acknowledged increment lost");
                Assert.That(total, Is.LessThanOrEqualTo(acknowledged + failed), "nothing counted that was not sent");
                Assert.That(counts.Select(f => long.Parse(f["resumed"])), Has.All.Positive, "every process carried on once the server was back");
            });
        }
        finally
        {
            Directory.Delete(syncDir, recursive: true);
        }
    }
}

/// <summary>--join's mistakes a user can make, each one line before anything starts (no server needed).</summary>
public class JoinOptionTests
{
    [TestCase("--join=http://127.0.0.1/c", "dotnet-workers: error: invalid --join 'http://127.0.0.1/c': expected redis://HOST[:PORT]/NAME or rediss://HOST[:PORT]/NAME")]
    [TestCase("--join=redis://127.0.0.1:6379", "dotnet-workers: error: invalid --join 'redis://127.0.0.1:6379': no cluster name: end the URL with /NAME, the same on every machine that joins")]
    [TestCase("--join=redis://:secret@127.0.0.1/c", "dotnet-workers: error: invalid --join 'redis://:secret@127.0.0.1/c': a user or password in the URL would show in `ps`: give the password in DOTNET_WORKERS_REDIS_PASSWORD or --join-password-file")]
    public void BadUrl_IsAUsageError(string option, string expected)
    {
        using var run = LauncherRun.Start(option, Paths.Probe);
        Assert.That(run.WaitForExit(), Is.EqualTo(2), run.Transcript());
        Assert.That(run.Stderr, Is.EqualTo(new[] { expected }), run.Transcript());
    }

    [Test]
    public void NothingListening_IsAStartError_BeforeAnyProcessStarts()
    {
        int port = WebRequests.FreePort();
        using var run = LauncherRun.Start($"--join=redis://127.0.0.1:{port}/c", "--workers=2", Paths.Probe);
        Assert.That(run.WaitForExit(), Is.EqualTo(1), run.Transcript());
        Assert.Multiple(() =>
        {
            Assert.That(run.Stderr, Is.EqualTo(new[]
            {
                $"dotnet-workers: error: --join redis://127.0.0.1:{port}/c: cannot connect: Connection refused (is the Redis or Garnet server running there?)",
            }), run.Transcript());
            Assert.That(run.ProbeLines, Is.Empty, "no process started");
        });
    }

    [Test]
    public void WrongPassword_FailsTheFirstUse_NamingTheServer()
    {
        using JoinServer server = JoinServer.Start("redis");
        using var run = LauncherRun.StartWithEnvironment(
            new Dictionary<string, string> { ["DOTNET_WORKERS_REDIS_PASSWORD"] = "not-the-password" },
            "--join", server.Url("c"), "--workers=1", Paths.Probe);
        Assert.That(run.WaitForExit(), Is.Not.Zero, run.Transcript());
        Assert.That(run.Stderr, Has.Some.Contains($"DotnetWorkers.DotnetWorkersException: --join {server.Url("c")}: cannot connect:"), run.Transcript());
    }
}
