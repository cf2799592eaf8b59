using System.Reflection;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>What one proxy calls, where, with what bound.</summary>
internal sealed class RpcProxyOptions
{
    internal RpcProxyOptions(RpcClient client, ServiceContract contract, uint service, RpcTarget target, TimeSpan? timeout)
    {
        Client = client;
        Contract = contract;
        Service = service;
        Target = target;
        Timeout = timeout;
    }

    internal RpcClient Client { get; }

    internal ServiceContract Contract { get; }

    /// <summary>The service's index in the registry.</summary>
    internal uint Service { get; }

    internal RpcTarget Target { get; }

    internal TimeSpan? Timeout { get; }
}

/// <summary>
/// The object <c>Cluster.Proxy&lt;T&gt;()</c> returns: each interface method call becomes a
/// request to a serving process. The method's plan is found in a frozen dictionary; its
/// codecs were made when the contract was first used.
/// </summary>
internal class RpcProxy : DispatchProxy
{
    private RpcProxyOptions _options = null!;

    internal void Initialize(RpcProxyOptions options) => _options = options;

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        MethodPlan plan = _options.Contract.ByMethod[targetMethod];
        return plan.Result.Call(_options, plan, args);
    }
}
