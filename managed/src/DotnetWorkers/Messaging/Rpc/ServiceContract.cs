using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using MemoryPack;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// What both sides of a service agree on, computed once per interface: its name, and per
/// method an id, the codecs of its arguments and result, and (for servers) a compiled
/// invoker. Calls then use these plans: no reflection on the call path.
/// </summary>
internal sealed class ServiceContract
{
    private static readonly ConcurrentDictionary<Type, ServiceContract> s_contracts = new();

    private ServiceContract(Type type)
    {
        if (!type.IsInterface)
        {
            throw new ArgumentException($"{type} is not an interface: a service is declared as an interface.");
        }

        Type = type;
        Name = type.FullName ?? type.Name;
        if (System.Text.Encoding.UTF8.GetByteCount(Name) + RegistryPrefix.Length > Region.RegionLayout.MaxServiceNameLength)
        {
            throw new ArgumentException($"The service name '{Name}' is longer than {Region.RegionLayout.MaxServiceNameLength - RegistryPrefix.Length} bytes.");
        }

        // Ids from a stable order both sides compute alike: name, then the parameter types.
        MethodInfo[] methods = [.. type.GetMethods()
            .Concat(type.GetInterfaces().SelectMany(i => i.GetMethods()))
            .Where(m => !m.IsStatic)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ThenBy(m => string.Join(",", m.GetParameters().Select(p => p.ParameterType.FullName)), StringComparer.Ordinal)];
        if (methods.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"{type} has too many methods.");
        }

        Methods = [.. methods.Select((m, i) => new MethodPlan(type, m, (ushort)i))];
        ByMethod = Methods.ToFrozenDictionary(p => p.Method);
    }

    /// <summary>The prefix of services' names in the registry (events use another).</summary>
    internal const string RegistryPrefix = "rpc:";

    internal Type Type { get; }

    /// <summary>The interface's full name: what callers and servers meet on.</summary>
    internal string Name { get; }

    internal MethodPlan[] Methods { get; }

    internal FrozenDictionary<MethodInfo, MethodPlan> ByMethod { get; }

    internal static ServiceContract For(Type type) => s_contracts.GetOrAdd(type, t => new ServiceContract(t));
}

/// <summary>One method of a service: how to write and read its arguments and result.</summary>
internal sealed class MethodPlan
{
    private Func<object, object?[], CancellationToken, object?>? _invoker;

    internal MethodPlan(Type service, MethodInfo method, ushort id)
    {
        Method = method;
        Id = id;
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

    internal MethodInfo Method { get; }

    internal Type Service { get; }

    internal ushort Id { get; }

    /// <summary>The position of the CancellationToken parameter, or -1.</summary>
    internal int CancellationIndex { get; }

    /// <summary>Per parameter, its codec (null for the CancellationToken).</summary>
    internal ArgumentCodec?[] Arguments { get; }

    internal ResultCodec Result { get; }

    internal string DisplayName => $"{Service.Name}.{Method.Name}";

    internal void WriteArguments(IBufferWriter<byte> writer, object?[]? args)
    {
        for (int i = 0; i < Arguments.Length; i++)
        {
            Arguments[i]?.Write(writer, args![i]);
        }
    }

    internal object?[] ReadArguments(ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var args = new object?[Arguments.Length];
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
        Expression[] arguments = [.. Method.GetParameters().Select((p, i) => i == CancellationIndex
            ? (Expression)token
            : Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType))];
        Expression call = Expression.Call(Expression.Convert(target, Service), Method, arguments);
        return Expression.Lambda<Func<object, object?[], CancellationToken, object?>>(
            Expression.Convert(call, typeof(object)), target, args, token).Compile();
    }
}

/// <summary>Writes and reads one argument type with MemoryPack.</summary>
internal abstract class ArgumentCodec
{
    private static readonly ConcurrentDictionary<Type, ArgumentCodec> s_codecs = new();

    internal static ArgumentCodec For(Type type) =>
        s_codecs.GetOrAdd(type, t => (ArgumentCodec)Activator.CreateInstance(typeof(ArgumentCodec<>).MakeGenericType(t))!);

    internal abstract void Write(IBufferWriter<byte> writer, object? value);

    internal abstract object? Read(ReadOnlySpan<byte> payload, out int consumed);
}

internal sealed class ArgumentCodec<T> : ArgumentCodec
{
    internal override void Write(IBufferWriter<byte> writer, object? value) => MemoryPackSerializer.Serialize(writer, (T?)value);

    internal override object? Read(ReadOnlySpan<byte> payload, out int consumed)
    {
        T? value = default;
        consumed = MemoryPackSerializer.Deserialize(payload, ref value);
        return value;
    }
}
