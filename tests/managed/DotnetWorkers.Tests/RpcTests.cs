using System.Diagnostics;

namespace DotnetWorkers.Tests;

public interface ICalculator
{
    Task<int> AddAsync(int a, int b);

    ValueTask<string> EchoAsync(string text);

    Task<byte[]> RepeatAsync(byte value, int count);

    Task FailAsync(string message);

    ValueTask NothingAsync();

    Task<int> WaitForCancellationAsync(CancellationToken cancellationToken);

    Task<int> SlowAsync(int milliseconds);

    Task<int> GatedAsync(int value);

    Task<bool> RendezvousAsync();

    Task<bool> WaitForSignalAsync();

    Task<int> AddThroughTheClusterAsync(int a, int b);

    Task<int> NullTaskAsync();

    Task<string?> SwapAmbientAsync(string value);
}

public interface INotServed
{
    Task<int> GetAsync();
}

/// <summary>A sound contract named only through an unmarked generic helper: no generated contract.</summary>
public interface IUnseen
{
    Task<int> GetAsync();
}

public class Calculator : ICalculator
{
    public volatile bool SawCancellation;

    public int Cancellations;

    public Task<int> AddAsync(int a, int b) => Task.FromResult(a + b);

    public async ValueTask<string> EchoAsync(string text)
    {
        await Task.Yield();
        return text;
    }

    public Task<byte[]> RepeatAsync(byte value, int count) => Task.FromResult(Enumerable.Repeat(value, count).ToArray());

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public ValueTask NothingAsync() => ValueTask.CompletedTask;

    public async Task<int> WaitForCancellationAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
        catch (OperationCanceledException)
        {
            SawCancellation = true;
            Interlocked.Increment(ref Cancellations);
            throw;
        }
    }

    public async Task<int> SlowAsync(int milliseconds)
    {
        await Task.Delay(milliseconds);
        return milliseconds;
    }

    /// <summary>Opened by a test: every GatedAsync call answers then, all at about the same time.</summary>
    public TaskCompletionSource Gate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<int> GatedAsync(int value)
    {
        await Gate.Task;
        return value;
    }

    /// <summary>Set by a test: RendezvousAsync blocks its thread until that many calls have arrived.</summary>
    public CountdownEvent Rendezvous { get; set; } = new(1);

    /// <summary>Set by a test: WaitForSignalAsync blocks its thread until it is set (at most 10 s).</summary>
    public ManualResetEventSlim Signal { get; set; } = new();

    public Task<bool> WaitForSignalAsync() => Task.FromResult(Signal.Wait(TimeSpan.FromSeconds(10)));

    /// <summary>Set by a test: the proxy AddThroughTheClusterAsync calls (back into this process).</summary>
    public ICalculator? Self { get; set; }

    public Task<int> AddThroughTheClusterAsync(int a, int b) => Self!.AddAsync(a, b);

    public Task<bool> RendezvousAsync()
    {
        CountdownEvent rendezvous = Rendezvous;
        rendezvous.Signal();
        return Task.FromResult(rendezvous.Wait(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A broken implementation: no task at all.</summary>
    public Task<int> NullTaskAsync() => null!;

    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>Not async: sets an AsyncLocal on the serving thread and returns what it held before.</summary>
    public Task<string?> SwapAmbientAsync(string value)
    {
        string? before = Ambient.Value;
        Ambient.Value = value;
        return Task.FromResult(before);
    }
}

/// <summary>
/// RPC inside one process (the primary serving and calling itself, through its own inbox).
/// Every direction between processes is covered by the launcher tests.
/// </summary>
public class RpcTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private Calculator _calculator = null!;
    private IDisposable _serving = null!;

    [SetUp]
    public void SetUp()
    {
        _calculator = new Calculator();
        _serving = Cluster.Serve<ICalculator>(_calculator);
    }

    [TearDown]
    public void TearDown()
    {
        _serving.Dispose();
    }

    [Test]
    public async Task Calls_CarryArgumentsAndResults_OfEveryReturnShape()
    {
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        Assert.That(await calculator.AddAsync(2, 3).WaitAsync(Bound), Is.EqualTo(5));
        Assert.That(await calculator.EchoAsync("héllo").AsTask().WaitAsync(Bound), Is.EqualTo("héllo"));
        await calculator.NothingAsync().AsTask().WaitAsync(Bound);
    }

    [Test]
    public async Task ALargeResult_SpillsAndArrivesWhole()
    {
        byte[] bytes = await Cluster.Proxy<ICalculator>().RepeatAsync(7, 1_000_000).WaitAsync(Bound);
        Assert.That(bytes, Has.Length.EqualTo(1_000_000));
        Assert.That(bytes.All(b => b == 7), Is.True);
    }

    [Test]
    public async Task ManyConcurrentCalls_AllComplete()
    {
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        int[] results = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => calculator.AddAsync(i, 1))).WaitAsync(Bound);
        Assert.That(results, Is.EqualTo(Enumerable.Range(1, 2000).ToArray()));
    }

    [Test]
    public async Task AContinuationThatWaitsSynchronouslyForAnotherAnswer_DoesNotDeadlock()
    {
        // Answers that arrive together are published one after the other on one thread; the
        // continuation of the first blocks that thread until the second is published. Each
        // round answers both calls at once, so some rounds bring them in one drain.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        for (int round = 0; round < 20; round++)
        {
            _calculator.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<int> first = calculator.GatedAsync(1);
            Task<int> second = calculator.GatedAsync(2);
            Task<int> sum = first.ContinueWith(
                t => t.Result + second.Result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await Task.Delay(2);
            _calculator.Gate.SetResult();
            Assert.That(await sum.WaitAsync(Bound), Is.EqualTo(3), $"round {round}");
        }
    }

    [Test]
    public async Task AMethodThatBlocksUntilLaterCallsArrive_DoesNotHoldThemUp()
    {
        // Calls made at once from several threads reach the server in one drain; the thread
        // that serves the first one blocks in it until the others have started.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        for (int round = 0; round < 5; round++)
        {
            using var rendezvous = new CountdownEvent(3);
            _calculator.Rendezvous = rendezvous;
            bool[] met = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => calculator.RendezvousAsync()))).WaitAsync(Bound + Bound);
            Assert.That(met, Is.All.True, $"round {round}");
        }
    }

    [Test]
    public async Task AnAnswerReadyBeforeAMethodThatBlocks_ReachesTheCallerMeanwhile()
    {
        // Both requests go out back to back, so most rounds serve them in one chain: the
        // answer to the first is held for the chain's end while the second blocks until the
        // caller has that answer; the watchdog must write it.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        for (int round = 0; round < 5; round++)
        {
            using var signal = new ManualResetEventSlim();
            _calculator.Signal = signal;
            Task<int> first = calculator.AddAsync(1, 2);
            Task<bool> blocked = calculator.WaitForSignalAsync();
            Assert.That(await first.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(3), $"round {round}: the first answer while the second call blocks");
            signal.Set();
            Assert.That(await blocked.WaitAsync(Bound + Bound), Is.True, $"round {round}");
        }
    }

    [Test]
    public async Task ACallWithATimeout_TimesOutWhileOtherAnswersKeepArriving()
    {
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        ICalculator impatient = Cluster.Proxy<ICalculator>(timeout: TimeSpan.FromMilliseconds(100));
        using var stop = new CancellationTokenSource();
        Task traffic = Traffic(calculator, stop.Token);

        // Several rounds: the caller must time out whether or not it is the thread polling the inbox.
        for (int round = 0; round < 10; round++)
        {
            Task hanging = Task.Run(() => impatient.WaitForCancellationAsync(CancellationToken.None));
            Assert.That(async () => await hanging.WaitAsync(Bound), Throws.InstanceOf<TimeoutException>().With.Message.Contains("did not answer within"),
                $"round {round}");
        }

        await stop.CancelAsync();
        await traffic.WaitAsync(Bound);
    }

    [Test]
    public async Task AContinuationThatBlocksOnACallOfItsOwn_UnderTraffic_IsNotLeftForTheSafetyWakeUp()
    {
        // Under traffic, the thread publishing answers keeps its hold on the inbox poll, so
        // senders skip the doorbell. A continuation that blocks there on a call of its own
        // must cost that thread its hold within milliseconds (the watchdog's job): otherwise
        // nothing reads the inbox until the dispatcher's one-second safety wake-up. The bound
        // below tells those two apart; it is not a speed goal.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        using var stop = new CancellationTokenSource();
        Task traffic = Traffic(calculator, stop.Token);
        for (int round = 0; round < 10; round++)
        {
            int value = round;
            var clock = Stopwatch.StartNew();
            Task<int> nested = Task.Run(() => calculator.AddAsync(value, 1)).ContinueWith(
                t => calculator.AddAsync(t.Result, 1).Result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Assert.That(await nested.WaitAsync(Bound), Is.EqualTo(value + 2));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(500)), $"round {round} waited for the safety wake-up");
        }

        await stop.CancelAsync();
        await traffic.WaitAsync(Bound);
    }

    [Test]
    public async Task WhatADeadProcessLeftInItsInbox_IsDropped_HoweverBig()
    {
        // Messages bigger than the dispatcher's buffer (64 KiB) left by a dead process with
        // the same id: dropped when messaging starts (each read into a buffer that fits).
        using var fresh = new TestCluster();
        var noise = new byte[700_000];
        Random.Shared.NextBytes(noise);
        foreach (int size in new[] { 100_000, 300_000, 700_000 })
        {
            Assert.That(fresh.Runtime.Messaging.Inboxes.TrySend(0, noise.AsSpan(0, size)), Is.True);
        }

        using IDisposable serving = fresh.Serve<ICalculator>(new Calculator());
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        Assert.That(await fresh.Proxy<ICalculator>().AddAsync(2, 3).WaitAsync(Bound), Is.EqualTo(5));
    }

    [Test]
    public void AServedMethodThatReturnsNoTask_FailsTheCall_NotTheProcess()
    {
        RemoteException e = Assert.ThrowsAsync<RemoteException>(() => Cluster.Proxy<ICalculator>().NullTaskAsync().WaitAsync(Bound))!;
        Assert.That(e.RemoteTypeName, Is.EqualTo("System.InvalidOperationException"));
        Assert.That(e.Message, Does.Contain("returned null instead of a task"));
    }

    [Test]
    public async Task WhatAServedMethodLeavesInTheAmbientContext_DoesNotLeakIntoTheNextCall()
    {
        // Methods that are not async run on the serving thread itself, one after the other
        // (calls made together arrive in one drain); an AsyncLocal one of them sets must not
        // be what the next one finds.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        for (int round = 0; round < 20; round++)
        {
            string?[] before = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => calculator.SwapAmbientAsync($"{round}.{i}"))).WaitAsync(Bound);
            Assert.That(before, Is.All.Null, $"round {round}");
        }
    }

    [Test]
    public async Task AServedMethodThatCallsBackIntoThisProcess_CompletesUnderTraffic()
    {
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        _calculator.Self = calculator;
        using var stop = new CancellationTokenSource();
        Task traffic = Traffic(calculator, stop.Token);

        int[] sums = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => calculator.AddThroughTheClusterAsync(i, 1))).WaitAsync(Bound);

        Assert.That(sums, Is.EqualTo(Enumerable.Range(1, 200).ToArray()));
        await stop.CancelAsync();
        await traffic.WaitAsync(Bound);
    }

    [Test]
    public void AServerException_SurfacesWithTheRemoteTypeMessageAndStack()
    {
        RemoteException e = Assert.ThrowsAsync<RemoteException>(() => Cluster.Proxy<ICalculator>().FailAsync("bad input").WaitAsync(Bound))!;
        Assert.That(e.RemoteTypeName, Is.EqualTo("System.InvalidOperationException"));
        Assert.That(e.Message, Is.EqualTo("bad input"));
        Assert.That(e.RemoteStackTrace, Does.Contain(nameof(Calculator.FailAsync)));
        Assert.That(e.WorkerId, Is.EqualTo(0));
        Assert.That(e.ToString(), Does.Contain("bad input").And.Contain("remote stack trace"));
    }

    [Test]
    public async Task Cancelling_TheCaller_CancelsTheServerToo()
    {
        using var cancellation = new CancellationTokenSource();
        Task<int> call = Cluster.Proxy<ICalculator>().WaitForCancellationAsync(cancellation.Token);
        await Task.Delay(50);
        cancellation.Cancel();
        Assert.That(async () => await call.WaitAsync(Bound), Throws.InstanceOf<OperationCanceledException>());
        var watch = Stopwatch.StartNew();
        while (!_calculator.SawCancellation && watch.Elapsed < Bound)
        {
            await Task.Delay(5);
        }

        Assert.That(_calculator.SawCancellation, Is.True, "the server's token was cancelled");
    }

    [Test]
    public async Task ACancelRightBehindItsRequest_StillCancelsTheServer()
    {
        // The cancel can reach the server in the same drain as the request, before the method starts.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        for (int round = 0; round < 20; round++)
        {
            using var cancellation = new CancellationTokenSource();
            Task<int> call = calculator.WaitForCancellationAsync(cancellation.Token);
            cancellation.Cancel();
            Assert.That(async () => await call.WaitAsync(Bound), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref _calculator.Cancellations) == round + 1, Bound), Is.True,
                $"round {round}: the method never saw its token cancelled");
        }
    }

    [Test]
    public void AnAlreadyCancelledToken_FailsAtOnce()
    {
        Assert.That(() => Cluster.Proxy<ICalculator>().WaitForCancellationAsync(new CancellationToken(true)),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void ACallThatOutlivesItsTimeout_ThrowsTimeoutException()
    {
        ICalculator calculator = Cluster.Proxy<ICalculator>(timeout: TimeSpan.FromMilliseconds(50));
        Assert.That(async () => await calculator.SlowAsync(5000).WaitAsync(Bound), Throws.InstanceOf<TimeoutException>());
    }

    [Test]
    public void AnInterfaceNobodyServes_FailsWithServiceNotFound()
    {
        var e = Assert.ThrowsAsync<ServiceNotFoundException>(() => Cluster.Proxy<INotServed>().GetAsync().WaitAsync(Bound))!;
        Assert.That(e.ServiceName, Is.EqualTo(typeof(INotServed).FullName));
    }

    [Test]
    public void AProcessThatDoesNotServeIt_OrDoesNotExist_IsReportedAsSuch()
    {
        Assert.ThrowsAsync<ServiceNotFoundException>(() => Cluster.Proxy<INotServed>(RpcTarget.Primary).GetAsync());
        Assert.ThrowsAsync<RemoteProcessDiedException>(() => Cluster.Proxy<ICalculator>(RpcTarget.Worker(5)).AddAsync(1, 2));
        Assert.ThrowsAsync<ServiceNotFoundException>(() => Cluster.Proxy<ICalculator>(RpcTarget.InRole("nobody")).AddAsync(1, 2));
    }

    [Test]
    public async Task StoppingServing_TakesTheProcessOutOfTheRegistry()
    {
        // A call first: the caller keeps the servers it read until the registry entry changes.
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        Assert.That(await calculator.AddAsync(1, 1).WaitAsync(Bound), Is.EqualTo(2));
        Assert.That(Cluster.Runtime.Messaging.Client.ServersOf(typeof(ICalculator)), Is.EqualTo(new[] { 0 }));
        _serving.Dispose();
        Assert.That(Cluster.Runtime.Messaging.Client.ServersOf(typeof(ICalculator)), Is.Empty);
        Assert.ThrowsAsync<ServiceNotFoundException>(() => calculator.AddAsync(1, 2));
        Assert.ThrowsAsync<ServiceNotFoundException>(() => Cluster.Proxy<ICalculator>(RpcTarget.Primary).AddAsync(1, 2));
        _serving = Cluster.Serve<ICalculator>(_calculator);
        Assert.That(await calculator.AddAsync(1, 2).WaitAsync(Bound), Is.EqualTo(3));
    }

    [Test]
    public void TheProxy_IsTheOneGeneratedAtCompileTime()
    {
        Assert.That(Cluster.Proxy<ICalculator>().GetType().Name, Is.EqualTo("Proxy"), "the generator's proxy class");
        Assert.That(Cluster.Proxy<ICalculator>() is System.Reflection.DispatchProxy, Is.False);
    }

    [Test]
    public void ServingTwice_OrAContractNoGeneratorSaw_IsRefused_SayingHowToFixIt()
    {
        // Named through a generic helper whose type parameter is not marked [RpcService], a
        // contract escapes the generator: it has no generated code, and the library says how
        // to get it (or, for a class, that a service is an interface).
        Assert.Throws<InvalidOperationException>(() => Cluster.Serve<ICalculator>(new Calculator()));
        Assert.That(() => ProxyUnchecked<IUnseen>(),
            Throws.ArgumentException.With.Message.Contains("No RPC contract was generated for DotnetWorkers.Tests.IUnseen").And.Message.Contains("[RpcService]"));
        Assert.That(() => ServeUnchecked(new Calculator()), Throws.ArgumentException.With.Message.Contains("is not an interface"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cluster.Proxy<ICalculator>(timeout: TimeSpan.Zero));
    }

    private T ProxyUnchecked<T>()
        where T : class => Cluster.Proxy<T>();

    private IDisposable ServeUnchecked<T>(T implementation)
        where T : class => Cluster.Serve(implementation);

    /// <summary>Four callers that keep calls flowing through this process's inbox until stopped.</summary>
    private static Task Traffic(ICalculator calculator, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await calculator.AddAsync(1, 2);
            }
        })));
}
