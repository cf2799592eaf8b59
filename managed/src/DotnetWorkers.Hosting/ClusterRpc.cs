namespace DotnetWorkers.Hosting;

/// <summary><see cref="IClusterRpc"/> over the static <see cref="Cluster"/>: what <c>AddDotnetWorkers()</c> registers.</summary>
internal sealed class ClusterRpc : IClusterRpc
{
    public IDisposable Serve<TService>(TService implementation)
        where TService : class => Cluster.Serve(implementation);

    public TService Proxy<TService>(RpcTarget? target = null, TimeSpan? timeout = null)
        where TService : class => Cluster.Proxy<TService>(target, timeout);

    public Task<IReadOnlyList<TResult>> CallAllAsync<TService, TResult>(Func<TService, Task<TResult>> call, TimeSpan? timeout = null)
        where TService : class => Cluster.CallAllAsync(call, timeout);

    public IReadOnlyList<int> ServersOf<TService>()
        where TService : class => Cluster.ServersOf<TService>();

    public Task WaitForServersAsync<TService>(int count = 1, CancellationToken cancellationToken = default)
        where TService : class => Cluster.WaitForServersAsync<TService>(count, cancellationToken);
}
