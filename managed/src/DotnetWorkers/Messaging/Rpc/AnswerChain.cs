using System.Diagnostics;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// Answered calls from one drain of the inbox, published (their tasks completed) on the
/// thread pool once the drain is let go: one hand-off per drain rather than per answer. The
/// thread that takes the chain runs the continuations one at a time, and a helper queued
/// while answers remain takes them too (see <see cref="WorkChain{T}"/>).
/// </summary>
internal sealed class AnswerChain : WorkChain<PendingCall>
{
    private AnswerChain(PendingCall first)
        : base(first)
    {
    }

    /// <summary>Publishes the answers on the thread pool.</summary>
    internal static void PublishOnThreadPool(PendingCall? first)
    {
        if (first is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static chain => chain.Run(), new AnswerChain(first), preferLocal: false);
        }
    }

    protected override void RunAsHelper() => Run();

    private void Run()
    {
        long until = Stopwatch.GetTimestamp() + BudgetTicks;
        while (Take() is { } call)
        {
            EnsureHelper();
            call.Publish();
            if (Stopwatch.GetTimestamp() > until)
            {
                EnsureHelper();
                return;
            }
        }
    }
}
