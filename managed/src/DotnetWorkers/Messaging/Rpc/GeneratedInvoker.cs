using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>Through the generated contract: no boxing, no argument array.</summary>
internal sealed class GeneratedInvoker<TService>(GeneratedContract<TService> contract) : ServiceInvoker
    where TService : class
{
    internal override void Invoke(object implementation, MethodPlan plan, ReadOnlySpan<byte> arguments, CancellationToken cancellationToken, RpcReply reply) =>
        contract.Invoke((TService)implementation, plan.Id, arguments, cancellationToken, reply);
}
