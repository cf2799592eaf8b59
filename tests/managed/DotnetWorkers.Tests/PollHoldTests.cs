using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>
/// A chain runner's hold on the inbox poll, alone: the holder and the watchdog race on one
/// word, and exactly one of them lets go. The watchdog's checks are called by hand here.
/// </summary>
public class PollHoldTests
{
    private int _letGoes;
    private int _rings;
    private long _drainPasses;

    [SetUp]
    public void SetUp() => _letGoes = _rings = (int)(_drainPasses = 0);

    /// <summary>A hold whose checks only this test makes (the real watchdog would check every millisecond meanwhile).</summary>
    private PollHold NewHold() =>
        new(() => Interlocked.Increment(ref _letGoes), () => Interlocked.Increment(ref _rings), () => Volatile.Read(ref _drainPasses), _ => { });

    private static bool Check(PollHold hold) => ((ChainWatchdog.IWatched)hold).Check();

    [Test]
    public void TheHolder_EndsItsOwnHold_Once()
    {
        PollHold hold = NewHold();
        long id = hold.Start();
        Assert.That(hold.End(id), Is.True);
        Assert.That(hold.End(id), Is.False, "ended already");
        Assert.That(_letGoes, Is.Zero);
    }

    [Test]
    public void AHolderInsideOneItemForAWholePeriod_IsRevoked_AndLearnsItWhenItLeaves()
    {
        PollHold hold = NewHold();
        long id = hold.Start();
        hold.EnterItem(id);
        _drainPasses++;
        Assert.That(Check(hold), Is.True, "the first check only notes where the holder is");
        _drainPasses++;
        Assert.That(Check(hold), Is.True);

        Assert.That(_letGoes, Is.EqualTo(1), "the watchdog let go of the poll for it");
        Assert.That(hold.LeaveItem(id), Is.False, "the holder learns it lost the hold");
        Assert.That(hold.End(id), Is.False, "and does not let go a second time");
    }

    [Test]
    public void AHolderMovingFromItemToItem_KeepsItsHold()
    {
        PollHold hold = NewHold();
        long id = hold.Start();
        for (int i = 0; i < 5; i++)
        {
            hold.EnterItem(id);
            _drainPasses++;
            Check(hold);
            Assert.That(hold.LeaveItem(id), Is.True);
        }

        Assert.That(_letGoes, Is.Zero);
        Assert.That(hold.End(id), Is.True);
    }

    [Test]
    public void AHoldUpWhileNobodyDrainsForAWholePeriod_RingsThePump()
    {
        PollHold hold = NewHold();
        long id = hold.Start();
        hold.EnterItem(id);
        Assert.That(hold.LeaveItem(id), Is.True);
        Check(hold);
        hold.EnterItem(id);
        Assert.That(hold.LeaveItem(id), Is.True);
        Check(hold);  // items moved, but no drain pass since the last check

        Assert.That(_rings, Is.EqualTo(1));
        Assert.That(_letGoes, Is.Zero, "not stuck: not revoked");
    }

    [Test]
    public void WithNoHoldUp_TheWatchdogStopsWatching()
    {
        PollHold hold = NewHold();
        long id = hold.Start();
        Assert.That(hold.End(id), Is.True);
        Assert.That(Check(hold), Is.False);
    }

    [Test]
    public void AnOldHoldsId_CannotEndANewHold()
    {
        PollHold hold = NewHold();
        long first = hold.Start();
        Assert.That(hold.End(first), Is.True);
        long second = hold.Start();
        Assert.That(second, Is.Not.EqualTo(first));
        Assert.That(hold.End(first), Is.False);
        Assert.That(hold.End(second), Is.True);
    }
}
