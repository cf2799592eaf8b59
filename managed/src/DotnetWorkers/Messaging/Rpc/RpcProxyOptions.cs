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
