using DotnetWorkers.Messaging;
using DotnetWorkers.Messaging.Rpc;

namespace DotnetWorkers.Tests;

/// <summary>
/// The chain that publishes the answers one drain of the inbox found: every answer, in
/// whichever thread takes it, and never one stuck behind a continuation that blocks.
/// </summary>
public class AnswerChainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly MethodPlan Plan = ServiceContract.For(typeof(ICalculator)).Methods[0];

    [Test]
    public void AContinuationThatBlocksUntilALaterAnswerIsPublished_DoesNotStallTheChain()
    {
        PendingCall<int> first = Answered(1), second = Answered(2);
        Task<int> sum = first.Task.ContinueWith(
            t => t.Result + second.Task.Result, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        AnswerChain.PublishOnThreadPool(Chain(first, second), null);

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

        AnswerChain.PublishOnThreadPool(Chain(calls), null);

        Assert.That(Task.WhenAll(calls.Select(c => c.Task)).Wait(Bound), Is.True);
        Assert.That(calls.Select(c => c.Task.Result), Is.EqualTo(Enumerable.Range(0, 5000)));
        Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref continuations) == 5000, Bound), Is.True);
    }

    [Test]
    public void AFailedCall_PublishesItsException()
    {
        var call = new PendingCall<int>(1, 0, Plan, _ => 0);
        call.SettleFailed(new RemoteProcessDiedException(1, "it ended"));

        AnswerChain.PublishOnThreadPool(Chain(call), null);

        Assert.That(() => call.Task.Wait(Bound), Throws.InstanceOf<AggregateException>().With.InnerException.InstanceOf<RemoteProcessDiedException>());
    }

    private static PendingCall<int> Answered(int value)
    {
        var call = new PendingCall<int>(0, 0, Plan, _ => value);
        call.Settle(ResponseStatus.Ok, default);
        return call;
    }

    private static PendingCall Chain(params PendingCall[] calls)
    {
        var builder = default(ChainBuilder<PendingCall>);
        foreach (PendingCall call in calls)
        {
            builder.Add(call);
        }

        return builder.Take()!;
    }
}
