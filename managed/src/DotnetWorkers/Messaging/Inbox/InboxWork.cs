namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// Work a message asks for that must not run on the thread that drains the inbox, because
/// it runs user code: a request to serve, a call's answer whose continuations to run. The
/// handler of the message's kind makes it; the items one drain finds are linked in arrival
/// order (<see cref="WorkList"/>), and the scheduling layer decides which thread runs them.
/// </summary>
internal abstract class InboxWork
{
    /// <summary>The next item the same drain found; cleared when the item is taken.</summary>
    internal InboxWork? Next;

    /// <summary>
    /// True once this work ran on some thread: a thread polling for one particular item (a
    /// caller for its call's answer) stops when another thread ran it first. False for work
    /// nobody polls for.
    /// </summary>
    internal virtual bool HasRun => false;

    /// <summary>Runs the work (user code, up to its first incomplete await); never throws.</summary>
    internal abstract void Run();
}
