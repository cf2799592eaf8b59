using System.Buffers;
using System.Linq.Expressions;
using System.Reflection;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// One method of a service: its id, name and CancellationToken position, from the
/// generated contract; or, on the reflection path (<see cref="ServiceContract.UseReflection"/>),
/// also how to write and read its arguments and result and invoke it, from reflection.
/// </summary>
internal sealed class MethodPlan
{
    private Func<object, object?[], CancellationToken, object?>? _invoker;

    /// <summary>A method of a generated contract.</summary>
    internal MethodPlan(Type service, string name, ushort id, int cancellationIndex)
    {
        Service = service;
        Name = name;
        Id = id;
        CancellationIndex = cancellationIndex;
    }

    /// <summary>A method found by reflection (the path kept until the generated one is proven everywhere).</summary>
    internal MethodPlan(Type service, MethodInfo method, ushort id)
    {
        Method = method;
        Id = id;
        Name = method.Name;
        if (method.IsGenericMethodDefinition)
        {
            throw new ArgumentException($"{service}.{method.Name} is generic: a method called across processes has fixed parameter types.");
        }

        ParameterInfo[] parameters = method.GetParameters();
        CancellationIndex = Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken));
        if (parameters.Count(p => p.ParameterType == typeof(CancellationToken)) > 1)
        {
            throw new ArgumentException($"{service}.{method.Name} takes more than one CancellationToken.");
        }

        foreach (ParameterInfo p in parameters)
        {
            if (p.ParameterType.IsByRef || p.IsOut)
            {
                throw new ArgumentException($"{service}.{method.Name}: ref and out parameters cannot cross processes ({p.Name}).");
            }
        }

        Arguments = [.. parameters.Select((p, i) => i == CancellationIndex ? null : ArgumentCodec.For(p.ParameterType))];
        Result = ResultCodec.For(service, method);
        Service = service;
    }

    /// <summary>The method, on the reflection path; null for a generated contract's.</summary>
    internal MethodInfo? Method { get; }

    internal Type Service { get; }

    internal string Name { get; }

    internal ushort Id { get; }

    /// <summary>The position of the CancellationToken parameter, or -1.</summary>
    internal int CancellationIndex { get; }

    /// <summary>Per parameter, its codec (null for the CancellationToken); reflection path only.</summary>
    internal ArgumentCodec?[]? Arguments { get; }

    /// <summary>How the result crosses; reflection path only.</summary>
    internal ResultCodec? Result { get; }

    internal string DisplayName => $"{Service.Name}.{Name}";

    /// <summary>Writes the arguments of a reflected call (the CancellationToken left out).</summary>
    internal void WriteArguments(IBufferWriter<byte> writer, object?[]? args)
    {
        for (int i = 0; i < Arguments!.Length; i++)
        {
            Arguments[i]?.Write(writer, args![i]);
        }
    }

    /// <summary>The CancellationToken among a reflected call's arguments, or none.</summary>
    internal CancellationToken TokenOf(object?[]? args) => CancellationIndex >= 0 ? (CancellationToken)args![CancellationIndex]! : default;

    internal object?[] ReadArguments(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var args = new object?[Arguments!.Length];
        for (int i = 0; i < Arguments.Length; i++)
        {
            if (Arguments[i] is { } codec)
            {
                args[i] = codec.Read(payload, out int consumed);
                payload = payload[consumed..];
            }
            else
            {
                args[i] = cancellationToken;
            }
        }

        return args;
    }

    /// <summary>Calls the method on <paramref name="target"/>; returns its Task or ValueTask, boxed.</summary>
    internal object? Invoke(object target, object?[] args, CancellationToken cancellationToken) =>
        (_invoker ??= CompileInvoker())(target, args, cancellationToken);

    /// <summary>(target, args, ct) => (object)((TService)target).Method((T0)args[0], ..., ct), compiled once.</summary>
    private Func<object, object?[], CancellationToken, object?> CompileInvoker()
    {
        ParameterExpression target = Expression.Parameter(typeof(object), "target");
        ParameterExpression args = Expression.Parameter(typeof(object?[]), "args");
        ParameterExpression token = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
        Expression[] arguments = [.. Method!.GetParameters().Select((p, i) => i == CancellationIndex
            ? (Expression)token
            : Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType))];
        Expression call = Expression.Call(Expression.Convert(target, Service), Method, arguments);
        return Expression.Lambda<Func<object, object?[], CancellationToken, object?>>(
            Expression.Convert(call, typeof(object)), target, args, token).Compile();
    }
}
