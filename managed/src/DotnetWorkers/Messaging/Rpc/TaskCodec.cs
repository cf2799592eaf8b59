namespace DotnetWorkers.Messaging.Rpc;

internal sealed class TaskCodec<T> : ValueResultCodec<T>
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) =>
        options.Client.CallAsync<T>(options, plan, args);

    internal override async ValueTask<object?> AwaitAsync(object returned) => await ((Task<T>)returned).ConfigureAwait(false);

    internal override bool TryGetResult(object returned, out object? result, out Exception? failure)
    {
        var task = (Task<T>)returned;
        return Completed(task, task.IsCompleted, static t => t.GetAwaiter().GetResult(), out result, out failure);
    }
}

internal sealed class TaskCodec : VoidResultCodec
{
    internal override object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args) =>
        (Task)options.Client.CallAsync<NoResult>(options, plan, args);

    internal override async ValueTask<object?> AwaitAsync(object returned)
    {
        await ((Task)returned).ConfigureAwait(false);
        return null;
    }

    internal override bool TryGetResult(object returned, out object? result, out Exception? failure)
    {
        var task = (Task)returned;
        return Completed(task, task.IsCompleted, static t => { t.GetAwaiter().GetResult(); return null; }, out result, out failure);
    }
}
