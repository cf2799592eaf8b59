namespace DotnetWorkers.Messaging.Rpc;

internal sealed class ValueTaskCodec<T> : ValueResultCodec<T>
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) =>
        new ValueTask<T>(options.Client.CallAsync<T>(options, plan, args));

    internal override async ValueTask<object?> AwaitAsync(object returned) => await ((ValueTask<T>)returned).ConfigureAwait(false);

    internal override bool TryGetResult(object returned, out object? result, out Exception? failure)
    {
        var task = (ValueTask<T>)returned;
        return Completed(task, task.IsCompleted, static t => t.GetAwaiter().GetResult(), out result, out failure);
    }
}

internal sealed class ValueTaskCodec : VoidResultCodec
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) =>
        new ValueTask(options.Client.CallAsync<NoResult>(options, plan, args));

    internal override async ValueTask<object?> AwaitAsync(object returned)
    {
        await ((ValueTask)returned).ConfigureAwait(false);
        return null;
    }

    internal override bool TryGetResult(object returned, out object? result, out Exception? failure)
    {
        var task = (ValueTask)returned;
        return Completed(task, task.IsCompleted, static t => { t.GetAwaiter().GetResult(); return null; }, out result, out failure);
    }
}
