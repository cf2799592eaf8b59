namespace DotnetWorkers;

/// <summary>
/// RPC between the processes (<see cref="Cluster.Serve{TService}"/>,
/// <see cref="Cluster.Proxy{TService}"/> and their kin), as an interface: what dependency
/// injection hands out, so code that calls other processes can be tested with a fake. The
/// source generator serves the interfaces named here as it does those named on
/// <see cref="Cluster"/>.
/// </summary>
public interface IClusterRpc
{
    /// <inheritdoc cref="Cluster.Serve{TService}(TService)"/>
    IDisposable Serve<[RpcService] TService>(TService implementation)
        where TService : class;

    /// <inheritdoc cref="Cluster.Proxy{TService}(RpcTarget?, TimeSpan?)"/>
    TService Proxy<[RpcService] TService>(RpcTarget? target = null, TimeSpan? timeout = null)
        where TService : class;

    /// <inheritdoc cref="Cluster.CallAllAsync{TService, TResult}(Func{TService, Task{TResult}}, TimeSpan?)"/>
    Task<IReadOnlyList<TResult>> CallAllAsync<[RpcService] TService, TResult>(Func<TService, Task<TResult>> call, TimeSpan? timeout = null)
        where TService : class;

    /// <inheritdoc cref="Cluster.ServersOf{TService}"/>
    IReadOnlyList<int> ServersOf<[RpcService] TService>()
        where TService : class;

    /// <inheritdoc cref="Cluster.WaitForServersAsync{TService}(int, CancellationToken)"/>
    Task WaitForServersAsync<[RpcService] TService>(int count = 1, CancellationToken cancellationToken = default)
        where TService : class;
}
