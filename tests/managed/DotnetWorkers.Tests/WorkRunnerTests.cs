using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Rpc;
using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>
/// A runner on the thread pool, alone (no poller), publishing the answers one drain of the
/// inbox found: every answer, in whichever thread takes it, and never one stuck behind a
/// continuation that blocks.
/// </summary>
public class WorkRunnerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly MethodPlan Plan = ServiceContract.For<ICalculator>().Methods[0];

    [Test]
    public void AContinuationThatBlocksUntilALaterAnswerIsPublished_DoesNotStallTheChain()
    {
        PendingCall<int> first = Answered(1), second = Answered(2);
        Task<int> sum = first.Task.ContinueWith(
            t => t.Result + second.Task.Result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        new WorkRunner(null).RunOnThreadPool(Chain(first, second));

        Assert.That(sum.Wait(Bound), Is.True, "the answer after a blocked continuation was never published");
        Assert.That(sum.Result, Is.EqualTo(3));
    }

    [Test]
    public void EveryAnswerIsPublished_WhicheverThreadTakesIt()
    {
        PendingCall<int>[] calls = Enumerable.Range(0, 5000).Select(Answered).ToArray();
        int continuations = 0;
        foreach (PendingCall<int> call in calls)
        {
            call.Task.ContinueWith(_ =>
            {
                Thread.SpinWait(200);  // long enough for the budget to hand some of the chain to helpers
                Interlocked.Increment(ref continuations);
            }, TaskContinuationOptions.ExecuteSynchronously);
        }

        new WorkRunner(null).RunOnThreadPool(Chain(calls));

        Assert.That(Task.WhenAll(calls.Select(c => c.Task)).Wait(Bound), Is.True);
        Assert.That(calls.Select(c => c.Task.Result), Is.EqualTo(Enumerable.Range(0, 5000)));
        Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref continuations) == 5000, Bound), Is.True);
    }

    [Test]
    public void AFailedCall_PublishesItsException()
    {
        var call = new PendingCall<int>(1, 0, Plan, _ => 0);
        call.SettleFailed(new RemoteProcessDiedException(1, "it ended"));

        new WorkRunner(null).RunOnThreadPool(Chain(call));

        Assert.That(() => call.Task.Wait(Bound), Throws.InstanceOf<AggregateException>().With.InnerException.InstanceOf<RemoteProcessDiedException>());
    }

    [Test]
    public void ARunnerUnderSteadyTraffic_KeepsItsThread_UntilOtherWorkWaitsForThePool()
    {
        // Every item sends the next message: the runner always finds more. It keeps its
        // thread (one work item for all of it) until other work waits for the pool; then
        // it gives the thread back once a slice, and the traffic goes on in new work items.
        using var inbox = new InboxFixture();
        var traffic = new Traffic(inbox);
        inbox.Drain.Handle(MessageKind.Request, (in MessageHeader _, ReadOnlySpan<byte> _) => traffic.NewItem());
        WorkRunner? runner = null;
        var poller = new InboxPoller(inbox.Cluster.Runtime, inbox.Drain, work => runner!.RunOnThreadPool(work));
        bool otherWorkWaits = false;
        runner = new WorkRunner(poller, () => Volatile.Read(ref otherWorkWaits));
        inbox.Drain.EnsureStarted();
        try
        {
            inbox.Send(MessageKind.Request, 0);
            runner.RunOnThreadPool(inbox.DrainAll().Single());

            Assert.That(SpinWait.SpinUntil(() => traffic.Ran >= 2000, Bound), Is.True);
            Assert.That(runner.WorkItems, Is.EqualTo(1), "one runner ran it all");

            Volatile.Write(ref otherWorkWaits, true);
            Assert.That(SpinWait.SpinUntil(() => runner.WorkItems >= 3, Bound), Is.True, "the runner gave its thread back");
            long ran = traffic.Ran;
            Assert.That(SpinWait.SpinUntil(() => traffic.Ran > ran + 100, Bound), Is.True, "and the traffic goes on");
        }
        finally
        {
            // Nothing may touch the region once the fixture releases it: no item sending, no
            // thread polling or draining.
            traffic.Stop();
            poller.Stop();
            inbox.Drain.Stop();
            Assert.That(SpinWait.SpinUntil(() => traffic.Running == 0 && poller.Pollers == 0 && !inbox.Drain.IsDraining, Bound), Is.True);
        }
    }

    private static PendingCall<int> Answered(int value)
    {
        var call = new PendingCall<int>(0, 0, Plan, _ => value);
        call.Settle(ResponseStatus.Ok, default);
        return call;
    }

    private static InboxWork Chain(params PendingCall[] calls)
    {
        var builder = default(WorkList);
        foreach (PendingCall call in calls)
        {
            builder.Add(call);
        }

        return builder.Take()!;
    }

    /// <summary>Messages that each ask for work that sends the next one, until stopped.</summary>
    private sealed class Traffic(InboxFixture inbox)
    {
        private readonly byte[] _message = [(byte)MessageKind.Request, .. new byte[MessageHeader.Size - 1]];
        private long _ran;
        private int _running;
        private volatile bool _stopped;

        internal long Ran => Interlocked.Read(ref _ran);

        /// <summary>Items inside <see cref="InboxWork.Run"/> now: counted before they look at the stop, so none sends unseen.</summary>
        internal int Running => Volatile.Read(ref _running);

        internal void Stop() => _stopped = true;

        internal InboxWork NewItem() => new Item(this);

        private void SendNext() => inbox.Inboxes.TrySend(0, _message);

        private sealed class Item(Traffic traffic) : InboxWork
        {
            internal override void Run()
            {
                Interlocked.Increment(ref traffic._running);
                try
                {
                    Interlocked.Increment(ref traffic._ran);
                    if (!traffic._stopped)
                    {
                        traffic.SendNext();
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref traffic._running);
                }
            }
        }
    }
}
