using System.Runtime.InteropServices;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>
/// A chain runner's held answers, alone: written together when the chain ends, by the
/// watchdog once held a whole period, and when the inbox has room if it has none now.
/// Messages go to this process's own inbox; the watchdog's checks are made by hand.
/// </summary>
public class HeldSendsTests
{
    private InboxFixture _inbox = null!;
    private List<ChainWatchdog.IWatched> _watched = null!;
    private List<long> _answered = null!;

    [SetUp]
    public void SetUp()
    {
        _inbox = new InboxFixture();
        _watched = [];
        _answered = [];
        _inbox.Drain.Handle(MessageKind.Response, (in MessageHeader h, ReadOnlySpan<byte> _) =>
        {
            lock (_answered)
            {
                _answered.Add(h.CallId);
            }

            return null;
        });
        _inbox.Drain.EnsureStarted();  // before anything is sent: a drain that starts discards what it finds
    }

    [TearDown]
    public void TearDown() => _inbox.Dispose();

    private HeldSends NewHeld() => new(_watched.Add);

    private static bool Check(HeldSends held) => ((ChainWatchdog.IWatched)held).Check();

    private static byte[] Answer(long callId, int payloadLength = 8)
    {
        byte[] message = new byte[MessageHeader.Size + payloadLength];
        var header = new MessageHeader { Kind = MessageKind.Response, CallId = callId };
        MemoryMarshal.Write(message, in header);
        return message;
    }

    /// <summary>The call ids answered so far, once the inbox is drained.</summary>
    private List<long> DrainCallIds()
    {
        _inbox.DrainAll();
        lock (_answered)
        {
            return [.. _answered];
        }
    }

    [Test]
    public void AChainRunnersAnswers_AreHeld_AndWrittenInOrder_WhenItLetsGo()
    {
        bool heldBefore = HeldSends.Hold();
        Assert.That(heldBefore, Is.False);
        Assert.That(HeldSends.Hold(), Is.True, "a nested hold keeps the outer one");
        for (long id = 1; id <= 3; id++)
        {
            Assert.That(HeldSends.TryHold(_inbox.Inboxes, 0, Answer(id)), Is.True);
        }

        HeldSends.Release(heldBefore: true);
        Assert.That(HeldSends.TryHold(_inbox.Inboxes, 0, Answer(4)), Is.True, "the inner release did not stop the hold");
        HeldSends.Release(heldBefore);

        Assert.That(HeldSends.TryHold(_inbox.Inboxes, 0, Answer(5)), Is.False, "nothing is held once the outer hold ends");
        Assert.That(DrainCallIds(), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void AMessageThatSpills_IsNotHeld()
    {
        bool heldBefore = HeldSends.Hold();
        try
        {
            Assert.That(HeldSends.TryHold(_inbox.Inboxes, 0, Answer(1, (int)Inboxes.SlotSize)), Is.False, "bigger than an inline slot");
            Assert.That(HeldSends.TryHold(_inbox.Inboxes, 0, Answer(2, (int)Inboxes.SlotSize - MessageHeader.Size)), Is.True, "exactly a slot");
        }
        finally
        {
            HeldSends.Release(heldBefore);
        }
    }

    [Test]
    public void HeldAnswers_WaitForTheChain_UntilTheyWaitedAWholePeriod()
    {
        HeldSends held = NewHeld();
        held.Add(_inbox.Inboxes, 0, Answer(1));
        held.Add(_inbox.Inboxes, 0, Answer(2));
        Assert.That(_watched, Has.Count.EqualTo(1), "watched from the first message held, once");
        Assert.That(_inbox.Inboxes.Depth(0), Is.Zero, "held");

        Assert.That(Check(held), Is.True, "the first check only notes what was written so far");
        Assert.That(_inbox.Inboxes.Depth(0), Is.Zero);
        Assert.That(Check(held), Is.True);
        Assert.That(SpinWait.SpinUntil(() => _inbox.Inboxes.Depth(0) == 2, TimeSpan.FromSeconds(10)), Is.True, "held a whole period: the watchdog had them written");

        Assert.That(Check(held), Is.False, "nothing held: no longer watched");
        held.Add(_inbox.Inboxes, 0, Answer(3));
        Assert.That(_watched, Has.Count.EqualTo(2), "the next message held is watched again");
        Assert.That(DrainCallIds(), Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public void AnOwnerThatWritesMeanwhile_KeepsItsNextAnswersHeld()
    {
        HeldSends held = NewHeld();
        held.Add(_inbox.Inboxes, 0, Answer(1));
        Assert.That(Check(held), Is.True);
        held.WriteAll();
        held.Add(_inbox.Inboxes, 0, Answer(2));
        Assert.That(Check(held), Is.True, "the chain wrote since the last check: answer 2 is young");
        Assert.That(_inbox.Inboxes.Depth(0), Is.EqualTo(1));
    }

    [Test]
    public void ABatchsWorthOfAnswers_IsWrittenAtOnce()
    {
        HeldSends held = NewHeld();
        for (long id = 1; id <= 64; id++)
        {
            held.Add(_inbox.Inboxes, 0, Answer(id));
        }

        Assert.That(held.Held, Is.Zero);
        Assert.That(_inbox.Inboxes.Depth(0), Is.EqualTo(64));
    }

    [Test]
    public void AnswersAFullInboxHasNoRoomFor_GoOnceItHas()
    {
        for (long id = 1; id < Inboxes.Capacity - 1; id++)
        {
            Assert.That(_inbox.Inboxes.TrySend(0, Answer(id)), Is.True);
        }

        HeldSends held = NewHeld();
        for (long id = Inboxes.Capacity - 1; id <= Inboxes.Capacity + 2; id++)
        {
            held.Add(_inbox.Inboxes, 0, Answer(id));
        }

        held.WriteAll();
        Assert.That(_inbox.Inboxes.Depth(0), Is.EqualTo(Inboxes.Capacity), "as many as it had room for");
        Assert.That(held.Held, Is.Zero, "the rest wait for room, not in the holder");

        List<long> ids = [];
        Assert.That(
            SpinWait.SpinUntil(() => (ids = DrainCallIds()).Count == Inboxes.Capacity + 2, TimeSpan.FromSeconds(10)),
            Is.True,
            $"the rest arrive once there is room (got {ids.Count})");
        Assert.That(ids, Is.EquivalentTo(Enumerable.Range(1, (int)Inboxes.Capacity + 2).Select(i => (long)i)), "answers have no order among themselves");
    }
}
