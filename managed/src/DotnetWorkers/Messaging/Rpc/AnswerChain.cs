using System.Diagnostics;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// Answered calls from one drain of the inbox, whose tasks are completed (published) once
/// the drain is let go, with their continuations running on the publishing thread: a
/// caller that polled the inbox (<see cref="PublishHere"/>), or the thread pool.
/// </summary>
internal sealed class AnswerChain : WorkChain<PendingCall>
{
    [ThreadStatic]
    private static bool t_publishing;

    private AnswerChain(PendingCall first)
        : base(first)
    {
    }

    /// <summary>
    /// True while this thread publishes answers it polled for. A call made by one of their
    /// continuations does not poll: it would hold the rest of the chain behind its own answer.
    /// </summary>
    internal static bool PublishingOnThisThread => t_publishing;

    /// <summary>Publishes the answers on this thread, within the budget; a helper takes the rest.</summary>
    internal static void PublishHere(PendingCall? first)
    {
        if (first is null)
        {
            return;
        }

        t_publishing = true;
        try
        {
            if (first.Next is null)
            {
                first.Publish();
            }
            else
            {
                new AnswerChain(first).Run();
            }
        }
        finally
        {
            t_publishing = false;
        }
    }

    /// <summary>Publishes the answers on the thread pool (threads that must not run user code).</summary>
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
