using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>Through reflection: an argument array and a compiled expression (the path kept until the generated one is proven).</summary>
internal sealed class ReflectedInvoker : ServiceInvoker
{
    internal static readonly ReflectedInvoker Instance = new();

    internal override void Invoke(object implementation, MethodPlan plan, ReadOnlySpan<byte> arguments, CancellationToken cancellationToken, RpcReply reply) =>
        plan.Result!.Return(plan.Invoke(implementation, plan.ReadArguments(arguments, cancellationToken), cancellationToken), reply);
}
