using System.Buffers;
using System.Reflection;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// A method's return type (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;): how a proxy
/// returns a pending call as that type, and how a server awaits and writes the result.
/// </summary>
internal abstract class ResultCodec
{
    internal static ResultCodec For(Type service, MethodInfo method)
    {
        Type r = method.ReturnType;
        if (r == typeof(Task))
        {
            return new TaskCodec();
        }

        if (r == typeof(ValueTask))
        {
            return new ValueTaskCodec();
        }

        if (r.IsGenericType && r.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return (ResultCodec)Activator.CreateInstance(typeof(TaskCodec<>).MakeGenericType(r.GetGenericArguments()[0]))!;
        }

        if (r.IsGenericType && r.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return (ResultCodec)Activator.CreateInstance(typeof(ValueTaskCodec<>).MakeGenericType(r.GetGenericArguments()[0]))!;
        }

        throw new ArgumentException(
            $"{service}.{method.Name} returns {r.Name}: a method called across processes returns Task, Task<T>, ValueTask or ValueTask<T>.");
    }

    /// <summary>Client: starts the call and returns it as the method's return type.</summary>
    internal abstract object Call(RpcProxyOptions options, MethodPlan plan, object?[]? args);

    /// <summary>Server: awaits what the method returned.</summary>
    internal abstract ValueTask<object?> AwaitAsync(object returned);

    /// <summary>
    /// Server: if what the method returned has completed, its result (or the exception an
    /// await would throw) without awaiting; false if it has not completed yet (then
    /// <see cref="AwaitAsync"/> consumes it, once).
    /// </summary>
    internal abstract bool TryGetResult(object returned, out object? result, out Exception? failure);

    /// <summary>
    /// What every <see cref="TryGetResult"/> does with its own task type: nothing if not
    /// completed; else the result, or the exception an await would throw.
    /// </summary>
    protected static bool Completed<TTask>(TTask task, bool isCompleted, Func<TTask, object?> getResult, out object? result, out Exception? failure)
    {
        result = null;
        failure = null;
        if (!isCompleted)
        {
            return false;
        }

        try
        {
            result = getResult(task);
        }
        catch (Exception e)
        {
            failure = e;
        }

        return true;
    }

    /// <summary>Server: writes the awaited result.</summary>
    internal abstract void Write(IBufferWriter<byte> writer, object? result);

    /// <summary>Client: the pending call that reads this result.</summary>
    internal abstract PendingCall CreatePending(int target, uint targetPid, MethodPlan plan);
}
