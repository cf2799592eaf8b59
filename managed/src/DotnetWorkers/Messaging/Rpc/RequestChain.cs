namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// Requests from one drain of the inbox, served one after the other by the thread that
/// drained them (each up to its first incomplete await: the rest of a method runs wherever
/// what it awaited completes, see <see cref="RpcServer.IncomingCall.Serve"/>); the
/// watchdog queues helpers when requests wait too long behind one that blocks or runs long
/// (see <see cref="WorkChain{T}"/>).
/// </summary>
internal sealed class RequestChain : WorkChain<RpcServer.IncomingCall>
{
    internal RequestChain(RpcServer.IncomingCall first)
        : base(first)
    {
    }

    protected override void RunItem(RpcServer.IncomingCall item) => item.Serve();
}
