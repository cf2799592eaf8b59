using System.Collections.Concurrent;
using System.ComponentModel;

namespace DotnetWorkers.Generated;

/// <summary>
/// Where generated contracts register (from a module initializer of the assembly the
/// generator ran in), and where the library finds them.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedContracts
{
    private static readonly ConcurrentDictionary<Type, object> s_contracts = new();

    /// <summary>
    /// Registers the generated contract of <typeparamref name="TService"/>. Several
    /// assemblies may generate one for the same interface: the first stays (they are alike).
    /// </summary>
    public static void Register<TService>(GeneratedContract<TService> contract)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(contract);
        s_contracts.TryAdd(typeof(TService), contract);
    }

    /// <summary>The generated contract of <typeparamref name="TService"/>, if one was registered.</summary>
    internal static GeneratedContract<TService>? Find<TService>()
        where TService : class => s_contracts.TryGetValue(typeof(TService), out object? contract) ? (GeneratedContract<TService>)contract : null;
}
