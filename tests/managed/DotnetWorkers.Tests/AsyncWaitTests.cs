using DotnetWorkers.Locks;
using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Queues;

namespace DotnetWorkers.Tests;

/// <summary>
/// Every wait that once polled (a lock's AcquireAsync, a queue writer waiting for room,
/// GetOrSet waiting for another computation) is a doorbell waiter now: it waits registered,
/// without a thread or a poll, and is woken by the change itself. Counted by wake-ups, not
/// timed (latency is in ./build.sh bench store).
/// </summary>
public class AsyncWaitTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private DoorbellWaiters Waiters => Cluster.Runtime.Messaging.Waiters;

    /// <summary>Waits (bounded) until a waiter is registered: the operation has left its spin and waits on the doorbell.</summary>
    private void AssertWaiting(Task operation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Waiters.Count == 0 && !operation.IsCompleted && clock.Elapsed < Bound)
        {
            Thread.Sleep(1);
        }

        Assert.That(operation.IsCompleted, Is.False);
        Assert.That(Waiters.Count, Is.EqualTo(1), "it waits as a doorbell waiter");
    }

    [Test]
    public async Task AcquireAsync_IsWokenByTheRelease_AndNothingWakesItBefore()
    {
        SharedMutex mutex = Cluster.Locks.Mutex("m");
        SharedLockLease held = mutex.Acquire();
        Task<SharedLockLease> waiting = mutex.AcquireAsync(Bound).AsTask();
        AssertWaiting(waiting);
        long woken = Waiters.Woken;

        await Task.Delay(200);  // a poll (every 1 to 16 ms, before) would have looked a dozen times
        Assert.That(Waiters.Woken, Is.EqualTo(woken), "no wake-up while the lock is held");
        Assert.That(waiting.IsCompleted, Is.False);

        held.Dispose();

        (await waiting.WaitAsync(Bound)).Dispose();
        Assert.That(Waiters.Woken, Is.EqualTo(woken + 1), "one wake-up: the release's");
        Assert.That(Waiters.Count, Is.Zero);
    }

    [Test]
    public async Task AcquireAsync_OfASemaphore_IsWokenByARelease()
    {
        SharedSemaphore semaphore = Cluster.Locks.Semaphore("s", 1);
        SharedLockLease held = semaphore.Acquire();
        Task<SharedLockLease> waiting = semaphore.AcquireAsync(Bound).AsTask();
        AssertWaiting(waiting);
        held.Dispose();
        (await waiting.WaitAsync(Bound)).Dispose();
    }

    [Test]
    public void AcquireAsync_TimingOut_LeavesNoWaiterBehind()
    {
        SharedMutex mutex = Cluster.Locks.Mutex("m");
        using SharedLockLease held = mutex.Acquire();
        Assert.ThrowsAsync<TimeoutException>(async () => await mutex.AcquireAsync(TimeSpan.FromMilliseconds(50)));
        Assert.That(Waiters.Count, Is.Zero);
    }

    [Test]
    public async Task AWriterWaitingForRoom_IsWokenByTheReadThatFreesACell()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("small", capacity: 2);
        Assert.That(queue.TryWrite(1) && queue.TryWrite(2), Is.True);
        Task write = queue.WriteAsync(3).AsTask();
        AssertWaiting(write);
        long woken = Waiters.Woken;
        await Task.Delay(100);
        Assert.That(Waiters.Woken, Is.EqualTo(woken), "no wake-up while the queue stays full");

        Assert.That(queue.TryRead(out int first) && first == 1, Is.True);

        await write.WaitAsync(Bound);
        Assert.That(Waiters.Woken, Is.EqualTo(woken + 1));
        Assert.That(queue.TryRead(out int second) && second == 2 && queue.TryRead(out int third) && third == 3, Is.True);
    }

    [Test]
    public async Task AWriterWaitingForRoom_LearnsThatTheQueueWasCompleted()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("small", capacity: 2);
        Assert.That(queue.TryWrite(1) && queue.TryWrite(2), Is.True);
        Task write = queue.WriteAsync(3).AsTask();
        AssertWaiting(write);

        queue.Complete();

        Assert.That(async () => await write.WaitAsync(Bound), Throws.InstanceOf<System.Threading.Channels.ChannelClosedException>());
    }

    [Test]
    public async Task GetOrSet_WaitingForAnotherComputation_IsWokenWhenItEnds()
    {
        // The computation here is this process's own, awaited by a second caller: the waiting
        // caller is registered, woken by the resolve, and gets the value.
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<string> computing = Cluster.Store.GetOrSetAsync("k", () => release.Task).AsTask();
        Task<string> waiting = Cluster.Store.GetOrSetAsync("k", () => Task.FromResult("second factory")).AsTask();
        AssertWaiting(waiting);
        long woken = Waiters.Woken;
        await Task.Delay(100);
        Assert.That(Waiters.Woken, Is.EqualTo(woken), "no wake-up while the value is being computed");

        release.SetResult("computed once");

        Assert.That(await waiting.WaitAsync(Bound), Is.EqualTo("computed once"));
        Assert.That(await computing.WaitAsync(Bound), Is.EqualTo("computed once"));
        Assert.That(Waiters.Woken, Is.EqualTo(woken + 1));
    }

    [Test]
    public async Task GetOrSet_WaitingForAComputationThatASetReplaces_GetsTheSetsValue()
    {
        var never = new TaskCompletionSource<string>();
        _ = Cluster.Store.GetOrSetAsync("k", () => never.Task).AsTask();
        Task<string> waiting = Cluster.Store.GetOrSetAsync("k", () => Task.FromResult("second factory")).AsTask();
        AssertWaiting(waiting);

        Cluster.Store.Set("k", "set meanwhile");

        Assert.That(await waiting.WaitAsync(Bound), Is.EqualTo("set meanwhile"));
    }

    [Test]
    public void GetOrSet_CancelledWhileWaiting_LeavesNoWaiterBehind()
    {
        var never = new TaskCompletionSource<string>();
        _ = Cluster.Store.GetOrSetAsync("k", () => never.Task).AsTask();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.CatchAsync<OperationCanceledException>(async () =>
            await Cluster.Store.GetOrSetAsync("k", () => Task.FromResult("x"), cancellationToken: cancel.Token));
        Assert.That(Waiters.Count, Is.Zero);
    }
}
