using System.Diagnostics;
using DotnetWorkers.Buffers;
using DotnetWorkers.Documents;
using DotnetWorkers.Events;
using DotnetWorkers.Hosting;
using DotnetWorkers.Locks;
using DotnetWorkers.Queues;
using DotnetWorkers.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DotnetWorkers.Tests;

/// <summary>
/// DotnetWorkers.Hosting in one process: what AddDotnetWorkers() registers, fakes in their
/// place, role-scoped services, the lifetime tie and the log scope, against fakes of the
/// cluster. (Real clusters: the launcher suite's HostingTests and WebCacheTests.)
/// </summary>
public class HostingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static HostApplicationBuilder NewBuilder() => new(new HostApplicationBuilderSettings { DisableDefaults = true });

    [Test]
    public void AddDotnetWorkers_RegistersEveryService_AsTheClusterOfThisProcess()
    {
        var services = new ServiceCollection().AddDotnetWorkers();
        using ServiceProvider provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<ISharedStore>(), Is.SameAs(Cluster.Store));
        Assert.That(provider.GetRequiredService<ISharedBuffers>(), Is.SameAs(Cluster.Buffers));
        Assert.That(provider.GetRequiredService<ISharedLocks>(), Is.SameAs(Cluster.Locks));
        Assert.That(provider.GetRequiredService<ISharedQueues>(), Is.SameAs(Cluster.Queues));
        Assert.That(provider.GetRequiredService<ISharedEvents>(), Is.SameAs(Cluster.Events));
        Assert.That(provider.GetRequiredService<ISharedDocuments>(), Is.SameAs(Cluster.Documents));
        Assert.That(provider.GetRequiredService<IClusterRpc>(), Is.Not.Null);
        IClusterContext context = provider.GetRequiredService<IClusterContext>();
        Assert.That((context.WorkerId, context.Role, context.IsStandalone, context.ProcessId),
            Is.EqualTo((0, "primary", true, Environment.ProcessId)), "the test host is a cluster of one");

        // Calling it again registers nothing more (one lifetime service).
        int count = services.Count;
        services.AddDotnetWorkers();
        Assert.That(services, Has.Count.EqualTo(count));
    }

    [Test]
    public void FakesRegisteredBeforeIt_AreKept()
    {
        var fake = new FakeCluster("jobs", workerId: 7);
        var store = new FakeStore();
        using ServiceProvider provider = new ServiceCollection()
            .AddSingleton<IClusterContext>(fake)
            .AddSingleton<ISharedStore>(store)
            .AddDotnetWorkers()
            .BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IClusterContext>(), Is.SameAs(fake));
        Assert.That(provider.GetRequiredService<ISharedStore>(), Is.SameAs(store));
    }

    [TestCase("jobs", true)]
    [TestCase("worker", false)]
    public async Task AWorkerService_RunsOnlyInItsRole_AndIsNotEvenCreatedElsewhere(string role, bool runs)
    {
        HostApplicationBuilder builder = NewBuilder();
        builder.Services.AddSingleton<IClusterContext>(new FakeCluster(role));
        builder.Services.AddSingleton<Counter>();
        builder.UseDotnetWorkers();
        builder.Services.AddWorkerService<CountingService>(role: "jobs");
        using IHost host = builder.Build();

        await host.StartAsync().WaitAsync(Bound);
        await host.StopAsync().WaitAsync(Bound);

        Counter counter = host.Services.GetRequiredService<Counter>();
        Assert.That((counter.Created, counter.Started, counter.Stopped), Is.EqualTo(runs ? (1, 1, 1) : (0, 0, 0)));
    }

    [Test]
    public void AWorkerServiceWithoutARole_IsRefused()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddWorkerService<CountingService>(role: ""));
        Assert.Throws<ArgumentNullException>(() => services.AddWorkerService<CountingService>(role: null!));
        Assert.Throws<ArgumentException>(() => services.AddRpcService<IGreeter, Greeter>(role: ""));
    }

    [Test]
    public async Task TheHost_StopsOnTheClustersShutdown_AndThenDoesNotLeaveTheCluster()
    {
        var fake = new FakeCluster("worker");
        using IHost host = BuildHost(fake);
        await host.StartAsync().WaitAsync(Bound);

        fake.Shutdown.Cancel();
        await host.WaitForShutdownAsync().WaitAsync(Bound);
        Assert.That(fake.Left, Is.Zero, "a cluster shutdown ends the process anyway");
    }

    [Test]
    public async Task AHostThatStopsOnItsOwn_LeavesTheCluster_SoTheProcessCanExit()
    {
        var fake = new FakeCluster("worker");
        using IHost host = BuildHost(fake);
        await host.StartAsync().WaitAsync(Bound);

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await host.WaitForShutdownAsync().WaitAsync(Bound);
        Assert.That(fake.Left, Is.EqualTo(1));
    }

    [Test]
    public async Task AClusterOfOne_NeverLeaves_SoAnotherHostInTheProcessCanRunAfterIt()
    {
        var fake = new FakeCluster("primary", workerId: 0, standalone: true);
        using IHost host = BuildHost(fake);
        await host.StartAsync().WaitAsync(Bound);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await host.WaitForShutdownAsync().WaitAsync(Bound);
        Assert.That(fake.Left, Is.Zero);
    }

    [Test]
    public async Task AFailedBackgroundServiceInItsRole_IsSeenByTheHost_AndTheProcessExitsWithOne()
    {
        int before = Environment.ExitCode;
        try
        {
            var fake = new FakeCluster("jobs");
            HostApplicationBuilder builder = NewBuilder();
            builder.Services.AddSingleton<IClusterContext>(fake);
            builder.UseDotnetWorkers();
            builder.Services.AddWorkerService<FailingService>(role: "jobs");
            using IHost host = builder.Build();

            // The host gets the service itself: its failure stops the host (BackgroundServiceExceptionBehavior.StopHost).
            await host.StartAsync().WaitAsync(Bound);
            await host.WaitForShutdownAsync().WaitAsync(Bound);
            Assert.That(fake.Left, Is.EqualTo(1), "it stopped on its own");
            Assert.That(Environment.ExitCode, Is.EqualTo(1), "a failure, not a clean exit, for --on-worker-exit to judge");
        }
        finally
        {
            Environment.ExitCode = before;
        }
    }

    [Test]
    public void ActivityIds_StayInTheScopes_AfterTheProcessesScope()
    {
        var sink = new ScopeCapturingProvider();
        using ServiceProvider provider = new ServiceCollection()
            .AddSingleton<IClusterContext>(new FakeCluster("worker", workerId: 2))
            .AddLogging(logging =>
            {
                logging.AddProvider(sink);
                logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
            })
            .AddDotnetWorkers()
            .BuildServiceProvider();
        ILogger logger = provider.GetRequiredService<ILogger<HostingTests>>();

        using var activity = new Activity("request");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.Start();
        logger.LogInformation("hello");
        activity.Stop();

        Assert.That(sink.Scopes, Has.Count.EqualTo(2));
        Assert.That(sink.Scopes[0]!.ToString(), Does.StartWith("WorkerId:2 "));
        var ids = (IReadOnlyList<KeyValuePair<string, object?>>)sink.Scopes[1]!;
        Assert.That(ids.Select(p => (p.Key, p.Value)), Is.EqualTo(new[]
        {
            ("SpanId", (object?)activity.SpanId.ToHexString()),
            ("TraceId", activity.TraceId.ToHexString()),
        }));
    }

    [Test]
    public async Task AnRpcService_KeepsServingThroughAShutdown_UntilTheProcessExits()
    {
        var rpc = new FakeRpc();
        var fake = new FakeCluster("jobs");
        HostApplicationBuilder builder = NewBuilder();
        builder.Services.AddSingleton<IClusterContext>(fake);
        builder.Services.AddSingleton<IClusterRpc>(rpc);
        builder.UseDotnetWorkers();
        builder.Services.AddRpcService<IGreeter, Greeter>();
        using IHost host = builder.Build();

        await host.StartAsync().WaitAsync(Bound);
        fake.Shutdown.Cancel();
        await host.WaitForShutdownAsync().WaitAsync(Bound);
        Assert.That(rpc.Served, Is.Not.Null);
        Assert.That(rpc.Stopped, Is.False, "the primary may still call it while it finishes up");
    }

    [TestCase(true, 1)]
    [TestCase(false, 0)]
    public async Task ReadinessIsSignalled_OnceTheHostHasStarted_UnlessTheAppSaysItWill(bool signal, int expected)
    {
        var fake = new FakeCluster("worker");
        using IHost host = BuildHost(fake, o => o.SignalReadyWhenStarted = signal);
        Assert.That(fake.Ready, Is.Zero);
        await host.StartAsync().WaitAsync(Bound);
        Assert.That(fake.Ready, Is.EqualTo(expected));
        await host.StopAsync().WaitAsync(Bound);
    }

    [Test]
    public void EveryLogMessage_HasTheProcessesPlaceInTheCluster_AsItsOutermostScope()
    {
        var sink = new ScopeCapturingProvider();
        var services = new ServiceCollection()
            .AddSingleton<IClusterContext>(new FakeCluster("jobs", workerId: 3))
            .AddLogging(logging => logging.AddProvider(sink))
            .AddDotnetWorkers();
        using ServiceProvider provider = services.BuildServiceProvider();
        ILogger logger = provider.GetRequiredService<ILogger<HostingTests>>();

        using (logger.BeginScope("request 42"))
        {
            logger.LogInformation("hello");
        }

        Assert.That(sink.Scopes, Has.Count.EqualTo(2));
        var process = (IReadOnlyList<KeyValuePair<string, object?>>)sink.Scopes[0]!;
        Assert.That(process.Select(p => (p.Key, p.Value)),
            Is.EqualTo(new[] { ("WorkerId", (object?)3), ("Role", "jobs"), ("ProcessId", 4242) }));
        Assert.That(process.ToString(), Is.EqualTo("WorkerId:3 Role:jobs ProcessId:4242"));
        Assert.That(sink.Scopes[1], Is.EqualTo("request 42"));
    }

    [TestCase("jobs", true)]
    [TestCase("worker", false)]
    public async Task AnRpcService_IsServedWhileTheHostRuns_InItsRoleOnly(string role, bool served)
    {
        var rpc = new FakeRpc();
        HostApplicationBuilder builder = NewBuilder();
        builder.Services.AddSingleton<IClusterContext>(new FakeCluster(role));
        builder.Services.AddSingleton<IClusterRpc>(rpc);
        builder.UseDotnetWorkers();
        builder.Services.AddRpcService<IGreeter, Greeter>(role: "jobs");
        builder.Services.AddRpcProxy<IGreeter>();
        using IHost host = builder.Build();

        await host.StartAsync().WaitAsync(Bound);
        Assert.That(rpc.Served, served ? Is.InstanceOf<Greeter>() : Is.Null);
        Assert.That(host.Services.GetRequiredService<IGreeter>(), Is.SameAs(FakeRpc.TheProxy), "IGreeter in DI is the proxy, never the local implementation");
        await host.StopAsync().WaitAsync(Bound);
        Assert.That(rpc.Stopped, Is.EqualTo(served));
    }

    [Test]
    public void ALeaseOfAFakeLock_ReleasesOnce()
    {
        int released = 0;
        var lease = new SharedLockLease("m", () => released++);
        Assert.That(lease.LockName, Is.EqualTo("m"));
        lease.Dispose();
        lease.Dispose();
        Assert.That(released, Is.EqualTo(1));
        Assert.Throws<ArgumentNullException>(() => _ = new SharedLockLease("m", null!));
    }

    private static IHost BuildHost(FakeCluster fake, Action<DotnetWorkersHostOptions>? configure = null)
    {
        HostApplicationBuilder builder = NewBuilder();
        builder.Services.AddSingleton<IClusterContext>(fake);
        builder.UseDotnetWorkers(configure);
        return builder.Build();
    }

    private sealed class FakeCluster(string role, int workerId = 1, bool standalone = false) : IClusterContext
    {
        public CancellationTokenSource Shutdown { get; } = new();

        public int Left { get; private set; }

        public int Ready { get; private set; }

        public bool IsPrimary => workerId == 0;

        public int WorkerId => workerId;

        public int WorkerCount => 2;

        public string Role => role;

        public int ProcessId => 4242;

        public bool IsStandalone => standalone;

        public CancellationToken ShutdownToken => Shutdown.Token;

        public IReadOnlyList<WorkerInfo> Workers => [];

        public bool SignalReady()
        {
            Ready++;
            return true;
        }

        public void Leave() => Left++;

        public Task<IReadOnlyList<int>> StartWorkersAsync(string role, int count = 1, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task StopWorkerAsync(int id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<WorkerInfo> RestartWorkerAsync(int id, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private sealed class Counter
    {
        public int Created;
        public int Started;
        public int Stopped;
    }

    private sealed class CountingService : IHostedService
    {
        private readonly Counter _counter;

        public CountingService(Counter counter)
        {
            _counter = counter;
            _counter.Created++;
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _counter.Started++;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _counter.Stopped++;
            return Task.CompletedTask;
        }
    }

    private sealed class FailingService : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("the job's database is gone");
        }
    }

    public interface IGreeter
    {
        Task<string> GreetAsync(string name);
    }

    private sealed class Greeter : IGreeter
    {
        public Task<string> GreetAsync(string name) => Task.FromResult($"hello {name}");
    }

    private sealed class FakeRpc : IClusterRpc
    {
        public static readonly IGreeter TheProxy = new Greeter();

        public object? Served { get; private set; }

        public bool Stopped { get; private set; }

        public IDisposable Serve<TService>(TService implementation)
            where TService : class
        {
            Served = implementation;
            return new Stop(this);
        }

        public TService Proxy<TService>(RpcTarget? target = null, TimeSpan? timeout = null)
            where TService : class => (TService)TheProxy;

        public Task<IReadOnlyList<TResult>> CallAllAsync<TService, TResult>(Func<TService, Task<TResult>> call, TimeSpan? timeout = null)
            where TService : class => throw new NotSupportedException();

        public IReadOnlyList<int> ServersOf<TService>()
            where TService : class => [];

        public Task WaitForServersAsync<TService>(int count = 1, CancellationToken cancellationToken = default)
            where TService : class => Task.CompletedTask;

        private sealed class Stop(FakeRpc rpc) : IDisposable
        {
            public void Dispose() => rpc.Stopped = true;
        }
    }

    private sealed class FakeStore : ISharedStore
    {
        public long Count => 0;

        public T Get<T>(string key) => throw new KeyNotFoundException(key);

        public bool TryGet<T>(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value)
        {
            value = default;
            return false;
        }

        public bool ContainsKey(string key) => false;

        public void Set<T>(string key, T value, TimeSpan? expiry = null)
        {
        }

        public bool TryAdd<T>(string key, T value, TimeSpan? expiry = null) => true;

        public bool CompareExchange<T>(string key, T expected, T replacement) => false;

        public bool Remove(string key) => false;

        public long Increment(string key, long delta = 1) => delta;

        public T Update<T>(string key, Func<T, T> update) => throw new KeyNotFoundException(key);

        public T AddOrUpdate<T>(string key, T addValue, Func<T, T> update) => addValue;

        public IEnumerable<string> Keys(string prefix = "") => [];

        public ValueTask<T> GetOrSetAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, TimeSpan? expiry = null,
            CancellationToken cancellationToken = default) => factory(cancellationToken);
    }

    /// <summary>A provider that records, for each message, every scope its logger factory gives it.</summary>
    private sealed class ScopeCapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public List<object?> Scopes { get; } = [];

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner._scopes?.ForEachScope((scope, list) => list.Add(scope), owner.Scopes);
        }
    }
}
