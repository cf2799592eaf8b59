using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Tests;

/// <summary>
/// The inbox layer alone: a drain hands every message to the handler of its kind, in the
/// order written, and gives back the work the handlers return; it knows nothing of RPC.
/// </summary>
public class InboxDrainTests
{
    private InboxFixture _inbox = null!;

    [SetUp]
    public void SetUp() => _inbox = new InboxFixture();

    [TearDown]
    public void TearDown() => _inbox.Dispose();

    [Test]
    public void EachMessage_GoesToTheHandlerOfItsKind_InTheOrderWritten()
    {
        var requests = new List<long>();
        var events = new List<long>();
        _inbox.Drain.Handle(MessageKind.Request, (in MessageHeader h, ReadOnlySpan<byte> _) => Record(requests, h));
        _inbox.Drain.Handle(MessageKind.Event, (in MessageHeader h, ReadOnlySpan<byte> _) => Record(events, h));
        _inbox.Drain.EnsureStarted();

        _inbox.Send(MessageKind.Request, 1);
        _inbox.Send(MessageKind.Event, 2);
        _inbox.Send(MessageKind.Request, 3);
        _inbox.Send(MessageKind.Response, 4);  // nobody handles responses here: dropped
        _inbox.Send(MessageKind.Event, 5);
        _inbox.DrainAll();

        Assert.That(requests, Is.EqualTo(new long[] { 1, 3 }));
        Assert.That(events, Is.EqualTo(new long[] { 2, 5 }));
    }

    [Test]
    public void TheWorkHandlersReturn_ComesBackInArrivalOrder_AndTheAwaitedItemApart()
    {
        var work = new Dictionary<long, InboxFixture.TestWork>();
        _inbox.Drain.Handle(MessageKind.Response, (in MessageHeader h, ReadOnlySpan<byte> _) => work[h.CallId] = new InboxFixture.TestWork(h.CallId));
        _inbox.Drain.Handle(MessageKind.Cancel, (in MessageHeader h, ReadOnlySpan<byte> _) => null);
        _inbox.Drain.EnsureStarted();
        for (long id = 1; id <= 4; id++)
        {
            _inbox.Send(id == 3 ? MessageKind.Cancel : MessageKind.Response, id);
        }

        var found = default(DrainFindings);
        Assert.That(_inbox.Drain.Drain(ref found, out bool more), Is.True, "it found work");
        Assert.That(more, Is.False);
        Assert.That(InboxFixture.Items(found.Work.Take()).Select(w => ((InboxFixture.TestWork)w).CallId), Is.EqualTo(new long[] { 1, 2, 4 }));

        _inbox.Send(MessageKind.Response, 5);
        _inbox.Send(MessageKind.Response, 6);
        found = default;
        _inbox.Drain.Drain(ref found, out _);
        Assert.That(found.AwaitedFound, Is.False);
        Assert.That(found.Work.First, Is.Not.Null);

        var awaited = new InboxFixture.TestWork(7);
        found = new DrainFindings { Awaited = awaited };
        found.Add(new InboxFixture.TestWork(8));
        found.Add(awaited);
        Assert.That(found.AwaitedFound, Is.True);
        Assert.That(InboxFixture.Items(found.Work.Take()).Select(w => ((InboxFixture.TestWork)w).CallId), Is.EqualTo(new long[] { 8 }), "the awaited item is not in the list");
    }

    [Test]
    public void AHandlerThatThrows_DropsItsOwnMessage_AndTheDrainGoesOn()
    {
        var handled = new List<long>();
        _inbox.Drain.Handle(MessageKind.Request, (in MessageHeader h, ReadOnlySpan<byte> _) =>
            h.CallId == 2 ? throw new InvalidOperationException("cannot read this one") : Record(handled, h));
        _inbox.Drain.EnsureStarted();
        for (long id = 1; id <= 3; id++)
        {
            _inbox.Send(MessageKind.Request, id);
        }

        _inbox.DrainAll();

        Assert.That(handled, Is.EqualTo(new long[] { 1, 3 }));
    }

    [Test]
    public void APass_ReadsAtMostItsCap_AndSaysAnotherIsDue()
    {
        int handled = 0;
        _inbox.Drain.Handle(MessageKind.Event, (in MessageHeader _, ReadOnlySpan<byte> _) =>
        {
            handled++;
            return null;
        });
        _inbox.Drain.EnsureStarted();
        for (int i = 0; i < InboxDrain.MaxMessagesPerPass + 10; i++)
        {
            _inbox.Send(MessageKind.Event, i);
        }

        var found = default(DrainFindings);
        Assert.That(_inbox.Drain.Drain(ref found, out bool more), Is.True);
        Assert.That(handled, Is.EqualTo(InboxDrain.MaxMessagesPerPass));
        Assert.That(more, Is.True, "the pass stopped at its cap");

        _inbox.Drain.Drain(ref found, out more);
        Assert.That(handled, Is.EqualTo(InboxDrain.MaxMessagesPerPass + 10));
        Assert.That(more, Is.False);
    }

    [Test]
    public void AMessageBiggerThanTheBuffer_IsRead_Whole()
    {
        int length = -1;
        _inbox.Drain.Handle(MessageKind.Event, (in MessageHeader _, ReadOnlySpan<byte> payload) =>
        {
            length = payload.Length;
            return null;
        });
        _inbox.Drain.EnsureStarted();

        _inbox.Send(MessageKind.Event, 1, payloadLength: 300_000);
        _inbox.DrainAll();

        Assert.That(length, Is.EqualTo(300_000));
    }

    [Test]
    public void ALookWantedWhileAnotherThreadDrains_MakesTheHolderDrainAgain()
    {
        // The drain is taken: a second thread's look returns at once, and the holder learns
        // that another pass is due (it drains again, or rings the pump to).
        bool? otherFoundWork = null;
        bool otherMore = true;
        _inbox.Drain.Handle(MessageKind.Event, (in MessageHeader _, ReadOnlySpan<byte> _) =>
        {
            Task.Run(() =>
            {
                var other = default(DrainFindings);
                otherFoundWork = _inbox.Drain.Drain(ref other, out otherMore);
            }).Wait(TimeSpan.FromSeconds(10));
            return null;
        });
        _inbox.Drain.EnsureStarted();
        _inbox.Send(MessageKind.Event, 1);

        var found = default(DrainFindings);
        _inbox.Drain.Drain(ref found, out bool more);

        Assert.That(otherFoundWork, Is.False, "the drain was taken");
        Assert.That(otherMore, Is.False);
        Assert.That(more, Is.True, "a look was wanted meanwhile");
    }

    [Test]
    public void WhatADeadProcessLeftInTheInbox_IsDroppedAtStart()
    {
        var handled = new List<long>();
        _inbox.Drain.Handle(MessageKind.Request, (in MessageHeader h, ReadOnlySpan<byte> _) => Record(handled, h));
        _inbox.Send(MessageKind.Request, 1);
        _inbox.Send(MessageKind.Request, 2, payloadLength: 100_000);

        _inbox.Drain.EnsureStarted();
        _inbox.Send(MessageKind.Request, 3);
        _inbox.DrainAll();

        Assert.That(handled, Is.EqualTo(new long[] { 3 }));
    }

    [Test]
    public void HandlersAreRegisteredOncePerKind_AndBeforeTheDrainStarts()
    {
        _inbox.Drain.Handle(MessageKind.Request, (in MessageHeader _, ReadOnlySpan<byte> _) => null);
        Assert.That(
            () => _inbox.Drain.Handle(MessageKind.Request, (in MessageHeader _, ReadOnlySpan<byte> _) => null),
            Throws.InvalidOperationException.With.Message.Contains("already have a handler"));

        _inbox.Drain.EnsureStarted();
        Assert.That(
            () => _inbox.Drain.Handle(MessageKind.Event, (in MessageHeader _, ReadOnlySpan<byte> _) => null),
            Throws.InvalidOperationException.With.Message.Contains("before the inbox is drained"));
    }

    [Test]
    public void TheChecksAfterARing_AddTheirWork_AndNothingRunsBeforeTheDrainStarts()
    {
        int checks = 0;
        _inbox.Drain.AfterEveryRing(() =>
        {
            checks++;
            var list = default(WorkList);
            list.Add(new InboxFixture.TestWork(1));
            list.Add(new InboxFixture.TestWork(2));
            return list.Take();
        });

        var found = default(DrainFindings);
        _inbox.Drain.CheckAfterRing(ref found);
        Assert.That(checks, Is.Zero, "not started");

        _inbox.Drain.EnsureStarted();
        _inbox.Drain.CheckAfterRing(ref found);
        Assert.That(checks, Is.EqualTo(1));
        Assert.That(InboxFixture.Items(found.Work.Take()), Has.Count.EqualTo(2));
    }

    [Test]
    public void AStoppedDrain_ReadsNothing()
    {
        var handled = new List<long>();
        _inbox.Drain.Handle(MessageKind.Request, (in MessageHeader h, ReadOnlySpan<byte> _) => Record(handled, h));
        _inbox.Drain.EnsureStarted();
        _inbox.Send(MessageKind.Request, 1);

        _inbox.Drain.Stop();
        var found = default(DrainFindings);
        Assert.That(_inbox.Drain.Drain(ref found, out bool more), Is.False);
        Assert.That(more, Is.False);
        Assert.That(handled, Is.Empty);
    }

    private static InboxWork? Record(List<long> seen, in MessageHeader header)
    {
        seen.Add(header.CallId);
        return null;
    }
}
