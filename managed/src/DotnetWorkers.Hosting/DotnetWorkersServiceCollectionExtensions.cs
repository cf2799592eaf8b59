using System.Diagnostics.CodeAnalysis;
using DotnetWorkers;
using DotnetWorkers.Buffers;
using DotnetWorkers.Documents;
using DotnetWorkers.Events;
using DotnetWorkers.Hosting;
using DotnetWorkers.Locks;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// In the namespace of IServiceCollection, as the framework's own AddX extensions are: found without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a dotnet-workers cluster's services in an app's dependency injection.</summary>
public static class DotnetWorkersServiceCollectionExtensions
{
    /// <summary>
    /// Registers the cluster this process belongs to: <see cref="IClusterContext"/>,
    /// <see cref="ISharedStore"/>, <see cref="ISharedBuffers"/>, <see cref="ISharedLocks"/>,
    /// <see cref="ISharedQueues"/>, <see cref="ISharedEvents"/> and <see cref="IClusterRpc"/>
    /// as singletons (register fakes of them instead to test code that uses them). It also
    /// ties the host's lifetime to the cluster's both ways, has Kestrel serve the sockets of
    /// <c>--listen</c> (no <c>UseSystemd()</c> needed), runs no HTTP server in a cluster
    /// process that was given no socket, reports readiness once the host has started, and
    /// adds the process's place in the cluster to every log scope: see
    /// <see cref="DotnetWorkersHostOptions"/>. Binds this process to the cluster now.
    /// </summary>
    /// <remarks>On a <c>WebApplicationBuilder</c>, call it on its <c>Services</c> before <c>Build()</c>
    /// (Kestrel is registered by then), and after anything that registers another server
    /// (<c>builder.WebHost.UseKestrel(...)</c> registers Kestrel again, and would listen in the
    /// processes given no socket). In a cluster it also sets <c>HostOptions.ShutdownTimeout</c>
    /// to the launcher's <c>--shutdown-timeout</c> less a margin. Calling it again registers nothing more (its
    /// <paramref name="configure"/> still applies to the options the services read at run time;
    /// the first call's decides what is registered).</remarks>
    /// <exception cref="RegionMismatchException">The launcher and this library come from different releases.</exception>
    /// <exception cref="DotnetWorkersException">The process cannot bind to its cluster.</exception>
    public static IServiceCollection AddDotnetWorkers(this IServiceCollection services, Action<DotnetWorkersHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(ClusterHostLifetime)))
        {
            return services;
        }

        var options = new DotnetWorkersHostOptions();
        configure?.Invoke(options);

        bool standalone = Cluster.IsStandalone;  // binds: a library of another release fails here, at start
        services.TryAddSingleton<IClusterContext, ClusterContext>();
        services.TryAddSingleton<IClusterRpc, ClusterRpc>();
        services.TryAddSingleton<ISharedStore>(_ => Cluster.Store);
        services.TryAddSingleton<ISharedBuffers>(_ => Cluster.Buffers);
        services.TryAddSingleton<ISharedLocks>(_ => Cluster.Locks);
        services.TryAddSingleton<ISharedQueues>(_ => Cluster.Queues);
        services.TryAddSingleton<ISharedEvents>(_ => Cluster.Events);
        services.TryAddSingleton<ISharedDocuments>(_ => Cluster.Documents);

        // The host drains within the launcher's --shutdown-timeout, not its own 30 s default:
        // past the launcher's, SIGKILL ends the drain. A Configure<HostOptions> of the app's after this wins.
        if (ShutdownTimeout() is { } drain)
        {
            services.Configure<HostOptions>(host => host.ShutdownTimeout = drain);
        }

        services.AddSingleton<ClusterHostLifetime>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<ClusterHostLifetime>());

        InheritedSockets sockets = InheritedSockets.Take();
        services.AddSingleton(sockets);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, InheritedSocketsKestrelSetup>());
        if (!standalone && sockets.Descriptors.Count == 0 && !options.HttpWithoutListen && services.Any(d => d.ServiceType == typeof(IServer)))
        {
            services.Replace(ServiceDescriptor.Singleton<IServer, NoHttpServer>());
        }

        if (options.AddLogScope)
        {
            services.TryAddSingleton<IExternalScopeProvider, ClusterLogScopeProvider>();
        }

        return services;
    }

    /// <summary>
    /// The launcher's <c>--shutdown-timeout</c> less a margin for the process to exit after its
    /// host has stopped (a fifth, at most a second); null outside a cluster.
    /// </summary>
    private static TimeSpan? ShutdownTimeout() =>
        long.TryParse(Environment.GetEnvironmentVariable("DOTNET_WORKERS_SHUTDOWN_TIMEOUT_MS"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out long ms)
            ? TimeSpan.FromMilliseconds(ms - Math.Min(1000, ms / 5))
            : null;

    /// <summary>
    /// Runs the hosted service <typeparamref name="TService"/> (a <see cref="BackgroundService"/>,
    /// say) only in the processes of role <paramref name="role"/> (<c>--role NAME=N</c>;
    /// "worker" for the plain workers, "primary" for process 0). In the others it is never created.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="role"/> is null or empty.</exception>
    public static IServiceCollection AddWorkerService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(
        this IServiceCollection services, string role)
        where TService : class, IHostedService
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(role);
        services.TryAddSingleton<TService>();
        services.AddSingleton<IHostedService>(provider =>
            string.Equals(provider.GetRequiredService<IClusterContext>().Role, role, StringComparison.Ordinal)
                ? provider.GetRequiredService<TService>()
                : NotInThisRole.Instance);
        return services;
    }

    /// <summary>
    /// Registers <typeparamref name="TService"/> as a proxy to the processes that serve it
    /// (<see cref="IClusterRpc.Proxy{TService}"/>): inject the interface, and test with a fake of it.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="target">Which process the calls go to (default: <see cref="RpcTarget.Any"/>).</param>
    /// <param name="timeout">If set, the bound of every call.</param>
    public static IServiceCollection AddRpcProxy<[RpcService] TService>(this IServiceCollection services, RpcTarget? target = null, TimeSpan? timeout = null)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider => provider.GetRequiredService<IClusterRpc>().Proxy<TService>(target, timeout));
        return services;
    }

    /// <summary>
    /// Serves <typeparamref name="TService"/> to the cluster with the
    /// <typeparamref name="TImplementation"/> dependency injection makes (registered as
    /// itself, so that <typeparamref name="TService"/> stays free for
    /// <see cref="AddRpcProxy{TService}"/>), from the host's start until it stops, in every
    /// process or in those of <paramref name="role"/> only.
    /// </summary>
    public static IServiceCollection AddRpcService<[RpcService] TService,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(this IServiceCollection services, string? role = null)
        where TService : class
        where TImplementation : class, TService
    {
        ArgumentNullException.ThrowIfNull(services);
        if (role is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(role);
        }

        // As itself, not as TService: in DI, TService is what callers get (AddRpcProxy), which
        // in a process that also serves it is still a proxy, so calls spread like any others.
        services.TryAddSingleton<TImplementation>();
        services.AddSingleton<IHostedService>(provider => new RpcServiceHost<TService>(
            () => provider.GetRequiredService<TImplementation>(), provider.GetRequiredService<IClusterRpc>(),
            provider.GetRequiredService<IClusterContext>(), role));
        return services;
    }
}
