using System.Diagnostics;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// Requests from one drain of the inbox, served one after the other by the thread that
/// drained them; a helper on the thread pool takes over the rest when a request blocks, goes
/// asynchronous for long, or the thread's budget is spent.
/// </summary>
internal sealed class RequestChain : WorkChain<RpcServer.IncomingCall>
{
    internal RequestChain(RpcServer.IncomingCall first)
        : base(first)
    {
    }

    /// <summary>Serves requests until none is left (true) or the budget is spent (false: a helper goes on).</summary>
    internal async Task<bool> RunAsync()
    {
        long until = Stopwatch.GetTimestamp() + BudgetTicks;
        while (Take() is { } call)
        {
            EnsureHelper();
            await call.ServeAsync().ConfigureAwait(false);
            if (Stopwatch.GetTimestamp() > until)
            {
                EnsureHelper();
                return false;
            }
        }

        return true;
    }

    protected override void RunAsHelper() => _ = RunAsync();
}
