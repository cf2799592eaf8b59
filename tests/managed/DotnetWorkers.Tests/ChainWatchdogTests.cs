using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>The watchdog alone: it checks what it watches once per period, until told there is nothing left.</summary>
public class ChainWatchdogTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void AWatchedThing_IsCheckedEveryPeriod_UntilItSaysStop()
    {
        var watched = new CountingWatched(stopAfter: 5);
        ChainWatchdog.Watch(watched);
        Assert.That(watched.Stopped.Wait(Bound), Is.True, "checked five times");

        Thread.Sleep(50);  // ~50 periods
        Assert.That(watched.Checks, Is.EqualTo(5), "never checked again once it said stop");
    }

    [Test]
    public void ACheckThatThrows_StopsWatchingThatOne_NotTheOthers()
    {
        var throwing = new CountingWatched(stopAfter: int.MaxValue, throwAt: 1);
        var other = new CountingWatched(stopAfter: 3);
        ChainWatchdog.Watch(throwing);
        ChainWatchdog.Watch(other);
        Assert.That(other.Stopped.Wait(Bound), Is.True);
        Assert.That(throwing.Checks, Is.EqualTo(1));
    }

    private sealed class CountingWatched(int stopAfter, int throwAt = -1) : ChainWatchdog.IWatched
    {
        private int _checks;

        internal ManualResetEventSlim Stopped { get; } = new();

        internal int Checks => Volatile.Read(ref _checks);

        public bool Check()
        {
            int n = Interlocked.Increment(ref _checks);
            if (n == throwAt)
            {
                throw new InvalidOperationException("a failing check");
            }

            if (n >= stopAfter)
            {
                Stopped.Set();
                return false;
            }

            return true;
        }
    }
}
