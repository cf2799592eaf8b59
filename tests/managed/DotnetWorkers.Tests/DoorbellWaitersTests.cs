using DotnetWorkers.Messaging.Waiting;

namespace DotnetWorkers.Tests;

/// <summary>
/// The one waiter mechanism alone, with a condition the test sets by hand in place of the
/// region: woken only when its condition is ready, and nothing left behind however it ends.
/// </summary>
public class DoorbellWaitersTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void AWaiter_IsWokenByTheDrainThatFindsItsConditionReady_NotBeforeThat()
    {
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        Task wait = waiters.WaitAsync(condition, CancellationToken.None);
        Assert.That(condition.Watching, Is.True, "watched before WaitAsync returns");

        Assert.That(waiters.WakeReady(), Is.False);
        Assert.That(wait.IsCompleted, Is.False, "a drain that finds the condition unchanged leaves the waiter waiting");

        condition.Ready = true;
        Assert.That(waiters.WakeReady(), Is.True);
        Assert.That(wait.Wait(Bound), Is.True);
        Assert.That(condition.Watching, Is.False, "the last waiter stops the watch");
        Assert.That(waiters.Count, Is.Zero);
    }

    [Test]
    public void AConditionReadyWhenTheWatchStarts_CompletesTheWaitAtOnce_AndStopsTheWatch()
    {
        // A change between the caller's last look and the watch rang nobody: the look after
        // the watch is on catches it.
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition { Ready = true };
        Task wait = waiters.WaitAsync(condition, CancellationToken.None);
        Assert.That(wait.IsCompletedSuccessfully, Is.True);
        Assert.That(condition.WatchCalls, Is.EqualTo(1));
        Assert.That(condition.Watching, Is.False);
        Assert.That(waiters.Count, Is.Zero);
        Assert.That(waiters.Woken, Is.Zero, "no drain was needed");
    }

    [Test]
    public void WaitersOfOneCondition_ShareOneWatch_AndAreWokenTogether()
    {
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        var other = new ManualCondition();
        Task[] waits = [.. Enumerable.Range(0, 3).Select(_ => waiters.WaitAsync(condition, CancellationToken.None))];
        Task unrelated = waiters.WaitAsync(other, CancellationToken.None);
        Assert.That(condition.WatchCalls, Is.EqualTo(1));

        condition.Ready = true;
        waiters.WakeReady();

        Assert.That(Task.WaitAll(waits, Bound), Is.True);
        Assert.That(waiters.Woken, Is.EqualTo(3));
        Assert.That(unrelated.IsCompleted, Is.False, "only the ready condition's waiters wake");
        Assert.That(waiters.Count, Is.EqualTo(1));
    }

    [Test]
    public void ACancelledWait_LeavesTheTable_AndTheLastOneStopsTheWatch()
    {
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        using var cancellation = new CancellationTokenSource();
        Task wait = waiters.WaitAsync(condition, cancellation.Token);

        cancellation.Cancel();

        Assert.That(() => wait.Wait(Bound), Throws.InstanceOf<AggregateException>().With.InnerException.InstanceOf<TaskCanceledException>());
        Assert.That(waiters.Count, Is.Zero, "no drain is needed to drop it");
        Assert.That(condition.Watching, Is.False);
    }

    [Test]
    public void AWaitWithAnAlreadyCancelledToken_IsCancelledAtOnce_AndNotWatched()
    {
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        Task wait = waiters.WaitAsync(condition, new CancellationToken(canceled: true));
        Assert.That(wait.IsCanceled, Is.True);
        Assert.That(condition.WatchCalls, Is.Zero);
        Assert.That(waiters.Count, Is.Zero);
    }

    [Test]
    public async Task ManyWaits_OnOneLongLivedToken_KeepNothingAlive()
    {
        // A long-lived ReadAllAsync(Cluster.ShutdownToken) waits again and again on one token:
        // each wait must give its registration back, or the token keeps a callback (and the
        // waiter behind it) per wait, for good.
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        using var lifetime = new CancellationTokenSource();
        async Task WaitMany(int count)
        {
            for (int i = 0; i < count; i++)
            {
                condition.Ready = false;
                Task wait = waiters.WaitAsync(condition, lifetime.Token);
                condition.Ready = true;
                waiters.WakeReady();
                await wait;
            }
        }

        await WaitMany(1_000);  // warm up: JIT, pools
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await WaitMany(100_000);
        long after = GC.GetTotalMemory(forceFullCollection: true);

        // A kept registration costs ~100 bytes a wait: 10 MB here. Flat means well under 1 MB.
        Assert.That(after - before, Is.LessThan(1 << 20), $"{before:N0} -> {after:N0} bytes");
        Assert.That(waiters.Count, Is.Zero);
    }

    [Test]
    public void ManyCancelledWaits_WithoutAnyDrain_LeaveNothingBehind()
    {
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        for (int i = 0; i < 10_000; i++)
        {
            using var cancellation = new CancellationTokenSource();
            Task wait = waiters.WaitAsync(condition, cancellation.Token);
            cancellation.Cancel();
            Assert.That(wait.IsCanceled, Is.True);
        }

        Assert.That(waiters.Count, Is.Zero);
        Assert.That(condition.Watching, Is.False);
    }

    [Test]
    public void AContinuation_NeverRunsOnTheDrainingThread()
    {
        var waiters = new DoorbellWaiters();
        var condition = new ManualCondition();
        int drainingThread = Environment.CurrentManagedThreadId;
        Task<int> continuation = waiters.WaitAsync(condition, CancellationToken.None)
            .ContinueWith(_ => Environment.CurrentManagedThreadId, TaskContinuationOptions.ExecuteSynchronously);

        condition.Ready = true;
        waiters.WakeReady();

        Assert.That(continuation.Wait(Bound), Is.True);
        Assert.That(continuation.Result, Is.Not.EqualTo(drainingThread));
    }

    /// <summary>A condition the test sets; it counts the watches asked of the "region".</summary>
    private sealed class ManualCondition : IWaitCondition
    {
        internal volatile bool Ready;

        internal bool Watching { get; private set; }

        internal int WatchCalls { get; private set; }

        public void Watch(bool watch)
        {
            Watching = watch;
            if (watch)
            {
                WatchCalls++;
            }
        }

        public bool IsReady() => Ready;
    }
}
