using DotnetWorkers.Locks;
using DotnetWorkers.Native;

namespace DotnetWorkers.Tests;

public class SharedLockTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private TestCluster _cluster = null!;
    private SharedLocks Locks => _cluster.Locks;

    [SetUp]
    public void SetUp() => _cluster = new TestCluster();

    [TearDown]
    public void TearDown() => _cluster.Dispose();

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
        NativeErrors.ThrowIfFailed(NativeMethods.ProcessCleanup(_cluster.Runtime.RegionHandle, 0), "cleanup"); // ...and the launcher cleaned up
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
