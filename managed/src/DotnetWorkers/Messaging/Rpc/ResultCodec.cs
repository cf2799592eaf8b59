using System.Reflection;
using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The reflection path's view of a method's return type (Task, Task&lt;T&gt;, ValueTask,
/// ValueTask&lt;T&gt;): how a proxy starts a call and returns it as that type, and how a
/// server hands what the method returned to the reply. Both end in the generic calls the
/// generated code makes directly.
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

    /// <summary>Server: hands what the method returned (boxed) to the reply.</summary>
    internal abstract void Return(object? returned, RpcReply reply);

    /// <summary>Client: starts a reflected call whose result is <typeparamref name="T"/>.</summary>
    protected static Task<T> Start<T>(RpcProxyOptions options, MethodPlan plan, object?[]? args) =>
        options.Client.CallAsync<object?[]?, T>(options, plan, args, plan.WriteArguments, plan.TokenOf(args));
}
