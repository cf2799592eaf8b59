using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>
/// The lifetime thread's work on a ring, alone: it drains pass after pass, hands everything
/// found (the inbox's work and the after-ring checks') to runners on the thread pool, and
/// runs none of it itself.
/// </summary>
public class InboxPumpTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void APump_HandsEverythingFoundToTheThreadPool_PassAfterPass()
    {
        using var inbox = new InboxFixture();
        var work = new List<InboxFixture.TestWork>();
        inbox.Drain.Handle(MessageKind.Request, (in MessageHeader h, ReadOnlySpan<byte> _) =>
        {
            var item = new InboxFixture.TestWork(h.CallId);
            work.Add(item);
            return item;
        });
        var failed = new InboxFixture.TestWork(-1);
        bool checkDue = true;
        inbox.Drain.AfterEveryRing(() => checkDue ? failed : null);
        var poller = new InboxPoller(inbox.Cluster.Runtime, inbox.Drain, _ => { });
        var pump = new InboxPump(inbox.Drain, poller, new WorkRunner(null));

        Assert.That(pump.Pump(), Is.False, "nothing to do before the drain starts");
        inbox.Drain.EnsureStarted();
        for (int i = 0; i < InboxDrain.MaxMessagesPerPass + 5; i++)
        {
            inbox.Send(MessageKind.Request, i);  // more than one pass holds
        }

        Assert.That(pump.Pump(), Is.True, "it found work, and nobody polls");

        Assert.That(work, Has.Count.EqualTo(InboxDrain.MaxMessagesPerPass + 5), "one ring drains until no pass is due");
        Assert.That(SpinWait.SpinUntil(() => work.All(w => w.HasRun) && failed.HasRun, Bound), Is.True);
        Assert.That(work.Append(failed).Select(w => w.RanOnThread), Has.None.EqualTo(Environment.CurrentManagedThreadId), "no work on the pump's thread");

        checkDue = false;
        Assert.That(pump.Pump(), Is.False, "an empty ring: no spin");
        poller.Stop();
    }
}
