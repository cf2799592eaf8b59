using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

internal sealed class TaskCodec<T> : ResultCodec
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) => Start<T>(options, plan, args);

    internal override void Return(object? returned, RpcReply reply) => reply.Return((Task<T>?)returned!);
}

internal sealed class TaskCodec : ResultCodec
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) => (Task)Start<NoResult>(options, plan, args);

    internal override void Return(object? returned, RpcReply reply) => reply.Return((Task?)returned!);
}
