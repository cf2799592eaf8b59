using System.Collections.Concurrent;
using DotnetWorkers.Generated;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// What both sides of a service agree on, made once per interface from the contract the
/// generator emitted at compile time (<see cref="GeneratedContract{TService}"/>): its name,
/// per method an id and plan, how a server invokes it and how a proxy is made. Nothing here
/// reflects over the interface.
/// </summary>
internal sealed class ServiceContract
{
    /// <summary>The prefix of services' names in the registry (events use another).</summary>
    internal const string RegistryPrefix = "rpc:";

    private static readonly ConcurrentDictionary<Type, ServiceContract> s_contracts = new();

    private readonly object _generated;

    private ServiceContract(Type type, MethodPlan[] methods, ServiceInvoker invoker, object generated)
    {
        Type = type;
        Name = NameOf(type);
        Methods = methods;
        Invoker = invoker;
        _generated = generated;
    }

    internal Type Type { get; }

    /// <summary>The interface's full name: what callers and servers meet on.</summary>
    internal string Name { get; }

    /// <summary>The methods, by id: ordered by name, then by their parameters' type names (docs/protocol.md section 15).</summary>
    internal MethodPlan[] Methods { get; }

    /// <summary>How a server calls the implementation.</summary>
    internal ServiceInvoker Invoker { get; }

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

    /// <summary>
    /// The contract of <typeparamref name="TService"/>. Throws <see cref="ArgumentException"/>
    /// for a type the generator emitted no contract for, saying how to get one.
    /// </summary>
    internal static ServiceContract For<TService>()
        where TService : class => s_contracts.GetOrAdd(typeof(TService), static _ => Create<TService>());

    /// <summary>A proxy of <typeparamref name="TService"/> whose calls go as <paramref name="options"/> say.</summary>
    internal TService CreateProxy<TService>(RpcProxyOptions options)
        where TService : class => ((GeneratedContract<TService>)_generated).CreateProxy(new Generated.RpcCaller(options));

    private static ServiceContract Create<TService>()
        where TService : class
    {
        GeneratedContract<TService> generated = GeneratedContracts.Find<TService>() ?? throw NotGenerated(typeof(TService));
        MethodPlan[] methods = [.. generated.Methods.Select((m, i) => new MethodPlan(typeof(TService), m.Name, (ushort)i, m.CancellationIndex))];
        return new ServiceContract(typeof(TService), methods, new GeneratedInvoker<TService>(generated), generated);
    }

    private static ArgumentException NotGenerated(Type type) => new(type.IsInterface
        ? $"No RPC contract was generated for {type}: the DotnetWorkers generator makes one for every interface the app's code passes " +
          $"to Cluster.Serve, Cluster.Proxy or Cluster.CallAllAsync as a type argument; through a generic helper of yours, mark its type " +
          $"parameter [RpcService], or mark the interface itself [RpcService]."
        : $"{type} is not an interface: a service is declared as an interface, and passed as the type argument.");
}
