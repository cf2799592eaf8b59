using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>
/// Threads that poll the inbox themselves, alone: a caller runs the answer it polls for on
/// its own thread and hands everything else on; a runner keeps what it finds and its hold;
/// one poller at a time; nothing found is lost when a poller lets go.
/// </summary>
public class InboxPollerTests
{
    private InboxFixture _inbox = null!;
    private InboxPoller _poller = null!;
    private List<InboxWork> _handedOn = null!;
    private Dictionary<long, InboxFixture.TestWork> _work = null!;

    [SetUp]
    public void SetUp()
    {
        _inbox = new InboxFixture();
        _handedOn = [];
        _work = [];
        _inbox.Drain.Handle(MessageKind.Response, (in MessageHeader h, ReadOnlySpan<byte> _) => _work[h.CallId]);
        _inbox.Drain.EnsureStarted();
        _poller = new InboxPoller(_inbox.Cluster.Runtime, _inbox.Drain, first =>
        {
            lock (_handedOn)
            {
                _handedOn.AddRange(InboxFixture.Items(first));
            }
        });
    }

    [TearDown]
    public void TearDown()
    {
        _poller.Stop();
        _inbox.Dispose();
    }

    private InboxFixture.TestWork Expect(long callId) => _work[callId] = new InboxFixture.TestWork(callId);

    [Test]
    public void ACaller_RunsTheAnswerItPollsFor_OnItsOwnThread_AndHandsTheRestOn()
    {
        InboxFixture.TestWork other = Expect(1), own = Expect(2), later = Expect(3);
        _inbox.Send(MessageKind.Response, 1);
        _inbox.Send(MessageKind.Response, 2);
        _inbox.Send(MessageKind.Response, 3);

        _poller.PollUntil(own);

        Assert.That(own.HasRun, Is.True);
        Assert.That(own.RanOnThread, Is.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(_handedOn, Is.EqualTo(new[] { other, later }), "the rest goes on, none run here");
        Assert.That(other.HasRun || later.HasRun, Is.False);
        Assert.That(_poller.Pollers, Is.Zero);
    }

    [Test]
    public void ACallerWhoseAnswerDoesNotCome_StopsPollingWithinItsBound()
    {
        InboxFixture.TestWork own = Expect(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        _poller.PollUntil(own);

        Assert.That(own.HasRun, Is.False);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "bounded (50 µs, on a quiet machine)");
        Assert.That(_poller.Pollers, Is.Zero);

        _inbox.Send(MessageKind.Response, 1);  // arrives after the caller stopped: the next drain finds it
        Assert.That(_inbox.DrainAll(), Is.EqualTo(new[] { own }));
    }

    [Test]
    public void ARunner_KeepsWhatItFinds_AndItsHold_UntilNothingMoreComes()
    {
        InboxFixture.TestWork first = Expect(1), second = Expect(2);
        _inbox.Send(MessageKind.Response, 1);
        _inbox.Send(MessageKind.Response, 2);
        long hold = 0;

        List<InboxWork> found = InboxFixture.Items(_poller.PollForWork(ref hold));

        Assert.That(found, Is.EqualTo(new[] { first, second }), "kept, in order, for this thread to run");
        Assert.That(hold, Is.Not.Zero, "it holds the poll while it runs them");
        Assert.That(_poller.Pollers, Is.EqualTo(1));
        Assert.That(_handedOn, Is.Empty);

        Assert.That(_poller.PollForWork(ref hold), Is.Null, "nothing more came");
        Assert.That(hold, Is.Zero, "it let go");
        Assert.That(_poller.Pollers, Is.Zero);
    }

    [Test]
    public void ARunnerThatLeavesHoldingThePoll_HandsOnWhatTheLastLookFinds()
    {
        InboxFixture.TestWork first = Expect(1), late = Expect(2);
        _inbox.Send(MessageKind.Response, 1);
        long hold = 0;
        Assert.That(InboxFixture.Items(_poller.PollForWork(ref hold)), Is.EqualTo(new[] { first }));

        _inbox.Send(MessageKind.Response, 2);  // a sender saw the poll and rang nobody
        _poller.LetGoOfHold(ref hold);

        Assert.That(hold, Is.Zero);
        Assert.That(_poller.Pollers, Is.Zero);
        Assert.That(_handedOn, Is.EqualTo(new[] { late }), "the last look read it");
    }

    [Test]
    public void OneThreadPollsAtATime()
    {
        InboxFixture.TestWork first = Expect(1), own = Expect(2);
        _inbox.Send(MessageKind.Response, 1);
        long hold = 0;
        Assert.That(_poller.PollForWork(ref hold), Is.Not.Null);

        _inbox.Send(MessageKind.Response, 2);
        _poller.PollUntil(own);  // the runner holds the poll: this caller returns at once, and awaits
        Assert.That(own.HasRun, Is.False);
        Assert.That(_poller.Pollers, Is.EqualTo(1));

        Assert.That(InboxFixture.Items(_poller.PollForWork(ref hold)), Is.EqualTo(new[] { own }), "the holder finds it");
        _poller.LetGoOfHold(ref hold);
    }

    [Test]
    public void AStoppedPoller_PollsNoMore()
    {
        InboxFixture.TestWork own = Expect(1);
        _inbox.Send(MessageKind.Response, 1);
        _poller.Stop();
        long hold = 0;

        _poller.PollUntil(own);
        Assert.That(_poller.PollForWork(ref hold), Is.Null);

        Assert.That(own.HasRun, Is.False);
        Assert.That(hold, Is.Zero);
        Assert.That(_poller.Pollers, Is.Zero);
    }
}
