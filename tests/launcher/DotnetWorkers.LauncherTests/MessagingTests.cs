namespace DotnetWorkers.LauncherTests;

/// <summary>
/// RPC, queues and events between real processes started by the launcher (the IpcProbe
/// app), including a serving process killed mid-call, and the Fib and JobQueue samples.
/// </summary>
[TestFixture("CoreCLR")]
[TestFixture("NativeAOT")]
public class MessagingTests(string runtime)
{
    /// <summary>The probe as a CoreCLR app, or published with NativeAOT (artifacts/aot, ./build.sh test).</summary>
    private string IpcProbe => runtime == "NativeAOT" ? Paths.NativeAot("IpcProbe") : Paths.IpcProbe;

    private string Sample(string name) => runtime == "NativeAOT" ? Paths.NativeAot(name) : Paths.Sample(name);

    [Test]
    public void Rpc_WorksInEveryDirection_PrimaryToWorker_WorkerToPrimary_WorkerToWorker()
    {
        using var run = LauncherRun.Start("--workers=3", IpcProbe, "directions");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var calls = run.ProbeLines.Where(l => l.StartsWith("call ", StringComparison.Ordinal)).Select(LauncherRun.Fields).ToList();
        Assert.That(calls, Has.Count.EqualTo(16), run.Transcript());
        foreach (var call in calls)
        {
            Assert.That(call["answer"], Does.StartWith(call["to"] + "/").And.EndWith("/from-" + call["from"]), run.Transcript());
        }
    }

    [Test]
    public void Rpc_ToAnyServer_SendsConcurrentCallsToIdleWorkersFirst()
    {
        using var run = LauncherRun.Start("--workers=3", IpcProbe, "spread");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("spread ids=1,2,3"), "three slow calls, three workers: one each");
    }

    [Test]
    public void Rpc_ToARole_ReachesOnlyThatRole_AndCallAllGathersEveryServer()
    {
        using var run = LauncherRun.Start("--workers=1", "--role", "calc=2", IpcProbe, "role", "calc");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("role answered-by=calc"), run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("all answers=1/worker/all,2/calc/all,3/calc/all"), run.Transcript());
    }

    [Test]
    public void Rpc_RemoteExceptions_Cancellation_Timeouts_UnservedInterfaces_AndLargeMessages()
    {
        using var run = LauncherRun.Start("--workers=1", IpcProbe, "errors");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Is.SupersetOf(new[]
        {
            "error type=System.ArgumentException message=no_such_order worker=1 stack_has_method=True",
            "cancelled caller=True",
            "cancelled server=True",
            "timeout ok=True",
            "not-served service=INobody",
            "large length=2000000 intact=True",
        }), run.Transcript());
    }

    [Test]
    public void Messaging_KeepsWorkingThroughAGracefulShutdown_CallsQueuesAndDeadProcessDetection()
    {
        // The primary finishes up after SIGTERM: it calls every worker, reads what they queued
        // on their own ShutdownToken, and learns that worker 2 exited in the middle of a call.
        // Before, messaging stopped with the token: no answer came, and the launcher killed
        // the cluster at the shutdown timeout (exit 137).
        using var run = LauncherRun.Start("--workers=2", "--shutdown-timeout=20s", IpcProbe, "shutdown-drain");
        run.WaitForLines(l => l == "probe ready", 1);

        run.Signal(Posix.SIGTERM);

        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(15)), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Is.SupersetOf(new[]
        {
            "drain answers=1/worker/last,2/worker/last",
            "drain items=last-from-1,last-from-2",
            "drain in-flight=died worker=2",
        }), run.Transcript());
    }

    [Test]
    public void AGarbageCollection_Completes_WhileAnotherProcessHoldsTheLockOfAQueueThisOneWrites()
    {
        // Worker 1 holds queue "held"'s write lock; the primary's TryWrite waits for it inside
        // the native call. Without a GC transition on that call, the GC would wait as long.
        using var run = LauncherRun.Start("--workers=1", IpcProbe, "hold-queue-lock");
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Has.Some.StartsWith("gc while-locked=completed writer_blocked=True"), run.Transcript());
    }

    [Test]
    public void Rpc_ToAServerKilledMidCall_FailsPromptlyWithRemoteProcessDied()
    {
        using var run = LauncherRun.Start("--workers=2", "--on-worker-exit=continue", IpcProbe, "kill-server");
        run.WaitForLines(l => l == "probe hanging id=1", 1);
        int server = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);

        Posix.Kill(server, Posix.SIGKILL);

        // Bounded well below the probe's own 30 s: the caller must not wait for a timeout.
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(15)), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("died worker=1"), run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("dead-target refused=True"), run.Transcript());
    }

    [Test]
    public void Rpc_WithATimeout_ToAServerThatStoppedReading_TimesOut_EvenWhenItsInboxIsFull()
    {
        using var run = LauncherRun.Start("--workers=1", IpcProbe, "stopped-server");
        run.WaitForLines(l => l == "probe ready-to-stop", 1);
        int server = int.Parse(run.Identities.Single(f => f["id"] == "1")["pid"]);
        Posix.Kill(server, Posix.SIGSTOP);
        try
        {
            // More calls than the inbox holds: without a bound on waiting for room, the
            // primary would wait as long as the server stays stopped.
            run.WaitForLines(l => l.StartsWith("probe stopped-server ", StringComparison.Ordinal), 1, TimeSpan.FromSeconds(20));
        }
        finally
        {
            Posix.Kill(server, Posix.SIGCONT);
        }

        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("stopped-server calls=1500 timed-out=1500"), run.Transcript());
    }

    [Test]
    public void Queue_ManyWriterProcesses_LoseNothing_AndKeepEachWritersOrder()
    {
        using var run = LauncherRun.Start("--workers=3", IpcProbe, "queue", "2000");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var line = LauncherRun.Fields(run.ProbeLines.Single(l => l.StartsWith("queue ", StringComparison.Ordinal)));
        Assert.Multiple(() =>
        {
            Assert.That(line["received"], Is.EqualTo("6000"));
            Assert.That(line["writers"], Is.EqualTo("3"));
            Assert.That(line["ordered"], Is.EqualTo("True"));
            Assert.That(int.Parse(line["max_waiting"]), Is.LessThanOrEqualTo(64), "bounded");
        });
    }

    [Test]
    public void Queue_AFullQueue_HoldsTheWriterBack_UntilTheReaderCatchesUp()
    {
        using var run = LauncherRun.Start("--workers=1", IpcProbe, "backpressure");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var line = LauncherRun.Fields(run.ProbeLines.Single(l => l.StartsWith("backpressure ", StringComparison.Ordinal)));
        Assert.That(line["received"], Is.EqualTo("50"), run.Transcript());
        Assert.That(int.Parse(line["max_waiting"]), Is.LessThanOrEqualTo(4), run.Transcript());
        Assert.That(int.Parse(line["read_when_writer_done"]), Is.GreaterThanOrEqualTo(50 - 4 - 1), "the writer was held back");
    }

    [Test]
    public void AQueueAValueAndATopic_UsedAsAnotherTypeInAnotherProcess_FailWithBothTypesNamed()
    {
        using var run = LauncherRun.Start("--workers=1", IpcProbe, "types");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.Multiple(() =>
        {
            Assert.That(run.ProbeLines, Does.Contain("types queue=SharedTypeMismatchException:asked=Int32:stored=System.String"), run.Transcript());
            Assert.That(run.ProbeLines, Does.Contain("types store=SharedTypeMismatchException:asked=Int32:stored=ProbeConfig"), run.Transcript());
            Assert.That(run.ProbeLines, Does.Contain("types topic=SharedTypeMismatchException:asked=Int32:stored=System.String"), run.Transcript());
            Assert.That(run.ProbeLines, Does.Contain("types own config=eu/3 sent=1"), "with their own types they work");
        });
    }

    [Test]
    public void AQueue_WrittenInBatchesThroughItsChannelWriter_IsReadInOrderThroughItsChannelReader_AndCompletesWithTheWritersError()
    {
        using var run = LauncherRun.Start("--workers=1", IpcProbe, "channel-batch", "20000");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("channel-batch writer completed=True"), run.Transcript());
        Assert.That(
            run.ProbeLines,
            Does.Contain("channel-batch received=20000 ordered=True ending=System.InvalidOperationException:the_writer_gave_up completion=System.InvalidOperationException"),
            run.Transcript());
    }

    [Test]
    public void Events_ReachEverySubscribedProcess_InOrder()
    {
        using var run = LauncherRun.Start("--workers=3", IpcProbe, "events");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.ProbeLines, Does.Contain("published value=one to=4"), run.Transcript());
        for (int id = 0; id <= 3; id++)
        {
            Assert.That(run.ProbeLines, Does.Contain($"received id={id} values=one,two,three"), run.Transcript());
        }
    }

    [Test]
    public void AnIdleCluster_UsesNoCpu()
    {
        using var run = LauncherRun.Start("--workers=3", IpcProbe, "idle");
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        var line = LauncherRun.Fields(run.ProbeLines.Single(l => l.StartsWith("idle ", StringComparison.Ordinal)));
        // 4 processes for 2 s: a spinning dispatcher alone would burn ~200 ticks.
        Assert.That(int.Parse(line["cpu_ticks"]), Is.LessThanOrEqualTo(10), run.Transcript());
    }

    [Test]
    public void FibSample_WorkersComputeAndThePrimaryPrintsTheResults()
    {
        using var run = LauncherRun.Start("--workers=4", Sample("Fib"));
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        Assert.That(run.Stdout.Count(l => l.StartsWith("Computing fib(", StringComparison.Ordinal) && l.Contains(" in process ")), Is.EqualTo(5), run.Transcript());
        Assert.That(run.Stdout, Is.SupersetOf(new[] { "fib(10) = 55", "fib(15) = 610", "fib(20) = 6765", "fib(25) = 75025", "fib(30) = 832040" }));
    }

    [Test]
    public void JobQueueSample_EveryJobIsDoneOnce_AndTheTotalIsRight()
    {
        using var run = LauncherRun.Start("--workers=3", Sample("JobQueue"));
        Assert.That(run.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, run.Transcript());
        Assert.That(run.Stdout, Does.Contain("20 jobs done: 283146 primes below 4000000"), run.Transcript());
    }
}
