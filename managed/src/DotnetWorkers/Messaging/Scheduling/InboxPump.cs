using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// What the lifetime thread does on every ring of this process's doorbell: drains the inbox
/// pass after pass while one is due, runs the drain's after-ring checks (calls to processes
/// that died), and hands everything found to the <see cref="WorkRunner"/>. It never runs
/// user code itself: the thread that sleeps on the doorbell must always be free to drain.
/// </summary>
internal sealed class InboxPump(InboxDrain drain, InboxPoller poller, WorkRunner runner)
{
    /// <summary>
    /// One ring's work. True if there was work and no other thread polls: then more is
    /// likely soon, worth a short spin on the doorbell before sleeping.
    /// </summary>
    internal bool Pump()
    {
        if (!drain.IsStarted)
        {
            return false;
        }

        var found = default(DrainFindings);
        bool work = false, more;
        do
        {
            work |= drain.Drain(ref found, out more);
            runner.RunOnThreadPool(found.Work.Take());
        }
        while (more);

        drain.CheckAfterRing(ref found);
        runner.RunOnThreadPool(found.Work.Take());
        return work && poller.Pollers == 0;
    }
}
