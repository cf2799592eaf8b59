using DotnetWorkers.Events;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Rpc;
using DotnetWorkers.Messaging.Scheduling;
using DotnetWorkers.Messaging.Waiting;

namespace DotnetWorkers.Messaging;

/// <summary>
/// This process's messaging, wired from the bottom up (docs/protocol.md section 15):
/// <list type="number">
/// <item><b>Waiting</b>: tasks that wait for another process without a thread (<see cref="DoorbellWaiters"/>).</item>
/// <item><b>Inbox</b>: sending to any process's inbox (<see cref="Inboxes"/>) and draining this
/// one's (<see cref="InboxDrain"/>), each message to the handler of its kind; it knows no RPC.</item>
/// <item><b>Scheduling</b>: who runs the work a drain found: the pump on the lifetime thread
/// hands it to runners on the thread pool, which poll for more (<see cref="InboxPump"/>,
/// <see cref="WorkRunner"/>, <see cref="InboxPoller"/>).</item>
/// <item><b>RPC and events</b>, which register their message handlers with the drain.</item>
/// </list>
/// </summary>
internal sealed class ProcessMessaging
{
    private readonly InboxPoller _poller;

    internal ProcessMessaging(ClusterRuntime runtime)
    {
        Waiters = new DoorbellWaiters();
        Inboxes = new Inboxes(runtime, Waiters);
        Drain = new InboxDrain(runtime, Inboxes, Waiters);
        WorkRunner? runner = null;
        _poller = new InboxPoller(runtime, Drain, work => runner!.RunOnThreadPool(work));
        runner = new WorkRunner(_poller);
        Pump = new InboxPump(Drain, _poller, runner);
        Registry = new Registry(runtime);
        Server = new RpcServer(runtime, Inboxes, Registry, Drain);
        Client = new RpcClient(runtime, Inboxes, Registry, Drain, _poller);
        Events = new SharedEvents(runtime, Inboxes, Registry, Drain);
    }

    /// <summary>Tasks of this process waiting for something other processes do; woken by the drains.</summary>
    internal DoorbellWaiters Waiters { get; }

    internal Inboxes Inboxes { get; }

    internal InboxDrain Drain { get; }

    /// <summary>What the lifetime thread runs on every ring of the doorbell.</summary>
    internal InboxPump Pump { get; }

    internal Registry Registry { get; }

    internal RpcServer Server { get; }

    internal RpcClient Client { get; }

    internal SharedEvents Events { get; }

    /// <summary>
    /// Completes when <paramref name="condition"/> may have changed (see
    /// <see cref="DoorbellWaiters.WaitAsync"/>); starts the drain that looks at it.
    /// </summary>
    internal Task WaitAsync(IWaitCondition condition, CancellationToken cancellationToken)
    {
        Drain.EnsureStarted();
        return Waiters.WaitAsync(condition, cancellationToken);
    }

    /// <summary>
    /// Stops polling and draining before the region is released (tests; a real process keeps
    /// its region until it exits), waiting a bounded time for the threads at it and for the
    /// calls this process is serving.
    /// </summary>
    internal void Stop()
    {
        _poller.Stop();
        Drain.Stop();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((_poller.Pollers != 0 || Drain.IsDraining || Server.Running != 0) && clock.ElapsedMilliseconds < 2000)
        {
            Thread.Sleep(1);
        }

        ChainWatchdog.WaitForRunningChecks();  // a check past its look at the poller's stop may still ring
    }
}
