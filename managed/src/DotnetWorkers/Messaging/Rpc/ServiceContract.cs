using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using DotnetWorkers.Generated;
using DotnetWorkers.Types;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// What both sides of a service agree on, made once per interface: its name, and per
/// method an id and plan; how a server invokes it; how a proxy is made. From the contract
/// the generator emitted at compile time (<see cref="GeneratedContract{TService}"/>), or, on
/// the reflection path, from the interface's metadata: a <c>DispatchProxy</c> and compiled
/// expressions (kept, behind <see cref="UseReflection"/>, until the generated path is proven
/// everywhere, and for contracts no generator saw).
/// </summary>
internal sealed class ServiceContract
{
    /// <summary>The prefix of services' names in the registry (events use another).</summary>
    internal const string RegistryPrefix = "rpc:";

    private static readonly ConcurrentDictionary<(Type Type, bool Reflected), ServiceContract> s_contracts = new();

    private readonly object? _generated;

    private ServiceContract(Type type, MethodPlan[] methods, ServiceInvoker invoker, object? generated)
    {
        Type = type;
        Name = NameOf(type);
        Methods = methods;
        Invoker = invoker;
        _generated = generated;
        ByMethod = generated is null ? methods.ToFrozenDictionary(p => p.Method!) : FrozenDictionary<MethodInfo, MethodPlan>.Empty;
    }

    /// <summary>
    /// Whether contracts come from reflection even where a generated one exists: set
    /// <c>DOTNET_WORKERS_RPC=reflection</c> (the benchmark compares the two paths this way).
    /// </summary>
    internal static bool UseReflection { get; set; } = Environment.GetEnvironmentVariable("DOTNET_WORKERS_RPC") == "reflection";

    internal Type Type { get; }

    /// <summary>The interface's full name: what callers and servers meet on.</summary>
    internal string Name { get; }

    /// <summary>The methods, by id: ordered by name, then by their parameters' type names (docs/protocol.md section 15).</summary>
    internal MethodPlan[] Methods { get; }

    /// <summary>How a server calls the implementation.</summary>
    internal ServiceInvoker Invoker { get; }

    /// <summary>Whether this contract is the generated one.</summary>
    internal bool IsGenerated => _generated is not null;

    /// <summary>The plans by method, for the reflection path's proxy.</summary>
    internal FrozenDictionary<MethodInfo, MethodPlan> ByMethod { get; }

    /// <summary>The name a service is registered under, from its type alone.</summary>
    internal static string NameOf(Type type)
    {
        string name = type.FullName ?? type.Name;
        if (System.Text.Encoding.UTF8.GetByteCount(name) + RegistryPrefix.Length > Region.RegionLayout.MaxServiceNameLength)
        {
            throw new ArgumentException($"The service name '{name}' is longer than {Region.RegionLayout.MaxServiceNameLength - RegistryPrefix.Length} bytes.");
        }

        return name;
    }

    /// <summary>The contract of <typeparamref name="TService"/>: the generated one, unless there is none or <see cref="UseReflection"/>.</summary>
    internal static ServiceContract For<TService>()
        where TService : class
    {
        bool reflected = UseReflection || GeneratedContracts.Find<TService>() is null;
        return s_contracts.GetOrAdd((typeof(TService), reflected), static key => key.Reflected ? Reflect(key.Type) : FromGenerated<TService>());
    }

    /// <summary>A proxy of <typeparamref name="TService"/> whose calls go as <paramref name="options"/> say.</summary>
    internal TService CreateProxy<TService>(RpcProxyOptions options)
        where TService : class
    {
        if (_generated is GeneratedContract<TService> generated)
        {
            return generated.CreateProxy(new RpcCaller(options));
        }

        TService proxy = DispatchProxy.Create<TService, RpcProxy>();
        ((RpcProxy)(object)proxy).Initialize(options);
        return proxy;
    }

    private static ServiceContract FromGenerated<TService>()
        where TService : class
    {
        GeneratedContract<TService> generated = GeneratedContracts.Find<TService>()!;
        MethodPlan[] methods = [.. generated.Methods.Select((m, i) => new MethodPlan(typeof(TService), m.Name, (ushort)i, m.CancellationIndex))];
        return new ServiceContract(typeof(TService), methods, new GeneratedInvoker<TService>(generated), generated);
    }

    private static ServiceContract Reflect(Type type)
    {
        if (!type.IsInterface)
        {
            throw new ArgumentException($"{type} is not an interface: a service is declared as an interface.");
        }

        // Ids from a stable order both sides compute alike, and the generator too: name, then
        // the parameters' type names (section 18's names).
        MethodInfo[] methods = [.. type.GetMethods()
            .Concat(type.GetInterfaces().SelectMany(i => i.GetMethods()))
            .Where(m => !m.IsStatic)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ThenBy(m => string.Join(",", m.GetParameters().Select(p => TypeIdentity.NameOf(p.ParameterType))), StringComparer.Ordinal)];
        if (methods.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"{type} has too many methods.");
        }

        return new ServiceContract(type, [.. methods.Select((m, i) => new MethodPlan(type, m, (ushort)i))], ReflectedInvoker.Instance, null);
    }
}
