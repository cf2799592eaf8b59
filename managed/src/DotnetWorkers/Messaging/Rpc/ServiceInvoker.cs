using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>How a server calls the implementation for one request: reads the arguments, calls the method, hands the task to the reply.</summary>
internal abstract class ServiceInvoker
{
    internal abstract void Invoke(object implementation, MethodPlan plan, ReadOnlySpan<byte> arguments, CancellationToken cancellationToken, RpcReply reply);
}
