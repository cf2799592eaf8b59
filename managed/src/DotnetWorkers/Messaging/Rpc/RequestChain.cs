using System.Diagnostics;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// Requests from one drain of the inbox, served one after the other by the thread that
/// drained them; a helper on the thread pool takes over the rest when a request blocks or
/// finishes asynchronously, or the thread's budget is spent.
/// </summary>
internal sealed class RequestChain : WorkChain<RpcServer.IncomingCall>
{
    internal RequestChain(RpcServer.IncomingCall first)
        : base(first)
    {
    }

    /// <summary>
    /// Serves requests until none is left (true), or stops early (false: a helper goes on
    /// with the rest): when the budget is spent, or when a request finished asynchronously.
    /// The code after such an await runs on whatever thread completed what the method awaited,
    /// perhaps a user's thread inside a lock, which must not be kept serving other requests.
    /// </summary>
    internal async Task<bool> RunAsync()
    {
        long until = Stopwatch.GetTimestamp() + BudgetTicks;
        while (Take() is { } call)
        {
            EnsureHelper();
            Task serving = call.ServeAsync();
            if (!serving.IsCompleted)
            {
                await serving.ConfigureAwait(false);
                EnsureHelper();
                return false;
            }

            await serving.ConfigureAwait(false);
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
