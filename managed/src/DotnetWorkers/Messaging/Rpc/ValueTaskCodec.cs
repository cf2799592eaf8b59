using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

internal sealed class ValueTaskCodec<T> : ResultCodec
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) => new ValueTask<T>(Start<T>(options, plan, args));

    internal override void Return(object? returned, RpcReply reply) => reply.Return((ValueTask<T>)returned!);
}

internal sealed class ValueTaskCodec : ResultCodec
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) => new ValueTask(Start<NoResult>(options, plan, args));

    internal override void Return(object? returned, RpcReply reply) => reply.Return((ValueTask)returned!);
}
