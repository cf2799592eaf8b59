using System.ComponentModel;
using DotnetWorkers.Messaging.Rpc;

namespace DotnetWorkers.Generated;

/// <summary>
/// Where a generated invoker hands what the served method returned: the call's answer goes
/// back to the caller when the task completes (at once, without async machinery, if it
/// already has). Call exactly one <c>Return</c> per request.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RpcReply
{
    private readonly RpcServer.IncomingCall _call;

    internal RpcReply(RpcServer.IncomingCall call) => _call = call;

    /// <summary>Answers with the task's result, or its failure.</summary>
    public void Return<TResult>(Task<TResult> task) => _call.Return(task);

    /// <summary>Answers when the task completes, or with its failure.</summary>
    public void Return(Task task) => _call.Return(task);

    /// <summary>Answers with the task's result, or its failure.</summary>
    public void Return<TResult>(ValueTask<TResult> task) => _call.Return(task);

    /// <summary>Answers when the task completes, or with its failure.</summary>
    public void Return(ValueTask task) => _call.Return(task);
}
