using DotnetWorkers.Locks;
using DotnetWorkers.Native;

namespace DotnetWorkers.Tests;

public class SharedLockTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private SharedLocks Locks => Cluster.Locks;

    [Test]
    public void Mutex_OneHolderAtATime_AndTheLeaseReleasesIt()
    {
        SharedMutex mutex = Locks.Mutex("m");
        Assert.That(mutex.TryAcquire(out SharedLockLease? first), Is.True);
        Assert.That(mutex.TryAcquire(out _), Is.False, "not reentrant, even in the same process");
        first!.Dispose();
        first.Dispose();
        Assert.That(mutex.TryAcquire(out SharedLockLease? second), Is.True);
        second!.Dispose();
    }

    [Test]
    public void Acquire_TimesOut()
    {
        SharedMutex mutex = Locks.Mutex("m");
        using SharedLockLease held = mutex.Acquire();
        Assert.Throws<TimeoutException>(() => mutex.Acquire(TimeSpan.FromMilliseconds(50)));
    }

    [Test]
    public async Task AcquireAsync_WaitsForTheRelease_WithoutBlockingTheCaller()
    {
        SharedMutex mutex = Locks.Mutex("m");
        SharedLockLease held = mutex.Acquire();
        ValueTask<SharedLockLease> waiting = mutex.AcquireAsync(Bound);
        Assert.That(waiting.IsCompleted, Is.False);
        held.Dispose(); // released from another "thread" than the waiter's: holds belong to the process
        await using SharedLockLease next = await waiting;
        Assert.That(next.LockName, Is.EqualTo("m"));
    }

    [Test]
    public async Task AcquireAsync_HoldsNoThreadWhileItWaits()
    {
        SharedMutex mutex = Locks.Mutex("m");
        SharedLockLease held = mutex.Acquire();
        ThreadPool.GetAvailableThreads(out int before, out _);
        ValueTask<SharedLockLease>[] waiting = [.. Enumerable.Range(0, 50).Select(_ => mutex.AcquireAsync(Bound))];
        await Task.Delay(100);
        ThreadPool.GetAvailableThreads(out int during, out _);
        Assert.That(before - during, Is.LessThan(5), "50 waiters do not take 50 pool threads");
        held.Dispose();
        // Each waiter releases as soon as it has the lock, so all of them get it in turn.
        await Task.WhenAll(waiting.Select(async w => (await w).Dispose())).WaitAsync(Bound);
    }

    [Test]
    public void AcquireAsync_TimesOut()
    {
        SharedMutex mutex = Locks.Mutex("m");
        using SharedLockLease held = mutex.Acquire();
        Assert.ThrowsAsync<TimeoutException>(async () => await mutex.AcquireAsync(TimeSpan.FromMilliseconds(50)));
    }

    [Test]
    public void AcquireAsync_CanBeCancelled()
    {
        SharedMutex mutex = Locks.Mutex("m");
        using SharedLockLease held = mutex.Acquire();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.CatchAsync<OperationCanceledException>(async () => await mutex.AcquireAsync(Bound, cancel.Token));
    }

    [Test]
    public void Semaphore_AdmitsItsCount()
    {
        SharedSemaphore semaphore = Locks.Semaphore("writers", 2);
        using SharedLockLease a = semaphore.Acquire(Bound);
        using SharedLockLease b = semaphore.Acquire(Bound);
        Assert.That(semaphore.TryAcquire(out _), Is.False);
        b.Dispose();
        Assert.That(semaphore.TryAcquire(out SharedLockLease? c), Is.True);
        c!.Dispose();
        Assert.That(semaphore.MaxCount, Is.EqualTo(2));
    }

    [Test]
    public void TheSameName_AsAnotherKindOrCount_IsRefused()
    {
        Locks.Semaphore("x", 2);
        Assert.Throws<InvalidOperationException>(() => Locks.Semaphore("x", 3));
        var e = Assert.Throws<InvalidOperationException>(() => Locks.Mutex("x"));
        Assert.That(e!.Message, Does.Contain("exists as a semaphore"));
    }

    [Test]
    public void AHolderThatDied_IsReportedToTheNextAcquirer_WhoHoldsTheLock()
    {
        SharedMutex mutex = Locks.Mutex("m");
        _ = mutex.Acquire(); // never released: as if this process had died holding it...
        NativeErrors.ThrowIfFailed(NativeMethods.ProcessCleanup(Cluster.Runtime.RegionHandle, 0), "cleanup"); // ...and the launcher cleaned up
        var e = Assert.Throws<SharedLockAbandonedException>(() => mutex.Acquire(Bound));
        Assert.That(e, Is.InstanceOf<AbandonedMutexException>());
        Assert.That(mutex.TryAcquire(out _), Is.False, "the caller holds it");
        e!.Lease.Dispose();
        Assert.That(mutex.TryAcquire(out SharedLockLease? again), Is.True);
        again!.Dispose();
    }

    [Test]
    public void BadInput_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Locks.Semaphore("s", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Locks.Semaphore("s", 70_000));
        Assert.Throws<ArgumentException>(() => Locks.Mutex(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => Locks.Mutex("m").Acquire(TimeSpan.FromSeconds(-5)));
    }
}
