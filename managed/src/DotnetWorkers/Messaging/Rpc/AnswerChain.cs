namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// Answered calls from one drain of the inbox, published (their tasks completed) on the
/// thread pool once the drain is let go: one hand-off per drain rather than per answer. The
/// thread that takes the chain runs the continuations one at a time, then polls the inbox
/// for more answers and publishes those too, while they keep coming, holding the poll
/// meanwhile (see <see cref="PollHold"/>). A continuation that holds the chain up gets a
/// helper (see <see cref="WorkChain{T}"/>).
/// </summary>
internal sealed class AnswerChain : WorkChain<PendingCall>
{
    private AnswerChain(PendingCall first)
        : base(first)
    {
    }

    /// <summary>
    /// Publishes the answers on the thread pool; then, with a <paramref name="dispatcher"/>,
    /// the same thread polls its inbox for more (unless another thread polls) and publishes
    /// them, until none comes within the polling time.
    /// </summary>
    internal static void PublishOnThreadPool(PendingCall? first, Dispatcher? dispatcher)
    {
        if (first is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => RunWhileAnswersCome(state.first, state.dispatcher), (first, dispatcher), preferLocal: false);
        }
    }

    private static void RunWhileAnswersCome(PendingCall first, Dispatcher? dispatcher)
    {
        long hold = 0;
        try
        {
            for (PendingCall? answers = first; answers is not null; answers = dispatcher?.PollForAnswers(ref hold))
            {
                new AnswerChain(answers).Run(dispatcher?.Hold, ref hold);
            }
        }
        finally
        {
            dispatcher?.LetGoOfHold(ref hold);  // none left after the last poll; only an exception gets here holding
        }
    }

    /// <summary>Completes the call's task: its continuations run here.</summary>
    protected override void RunItem(PendingCall item) => item.Publish();
}
