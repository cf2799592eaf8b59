using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;

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
