namespace DotnetWorkers;

/// <summary>
/// The cluster this process belongs to. Every process started by
/// <c>dotnet-workers app.dll --workers=N</c> runs the same <c>Main</c>; this class tells it
/// who it is and when the cluster is ending.
/// </summary>
/// <remarks>
/// <para>The first use of any member except <see cref="ProcessId"/> binds the process to the
/// cluster's shared region. From then on a worker stays alive after <c>Main</c> returns,
/// until the cluster shuts down (the primary ends, or Ctrl-C / SIGTERM reaches the launcher).</para>
/// <para>Binding can fail, on first use of any member, with <see cref="RegionMismatchException"/>
/// (the launcher and this library come from different releases) or
/// <see cref="DotnetWorkersException"/> (for example libdotnetworkers.so missing next to the
/// app). The failure is remembered: later uses throw the same exception.</para>
/// <para>Under plain <c>dotnet app.dll</c> the app runs as a cluster of one: it is the
/// primary, has no workers, and one line on stderr says so.</para>
/// <para>All members are thread-safe.</para>
/// </remarks>
public static class Cluster
{
    private static readonly Lazy<ClusterRuntime> s_runtime =
        new(ClusterRuntime.BindCurrentProcess, LazyThreadSafetyMode.ExecutionAndPublication);

    internal static ClusterRuntime Runtime => s_runtime.Value;

    /// <summary>
    /// True in process 0, the primary: the one that receives stdin and whose exit code is the
    /// cluster's. Joined across machines (<c>--join</c>), each host has its primary.
    /// </summary>
    public static bool IsPrimary => Runtime.WorkerId == 0;

    /// <summary>
    /// This process's id in the cluster: 0 for the primary, 1..<see cref="WorkerCount"/> for
    /// workers. Joined across machines (<c>--join</c>), ids are unique across hosts: the
    /// host's index (<see cref="HostIndex"/>) times 1024, plus the id within the host; the
    /// first host to join has index 0, so its ids are the ones it would have alone.
    /// </summary>
    /// <exception cref="DotnetWorkersException">Joined, and the server cannot be reached.</exception>
    public static int WorkerId => Runtime.GlobalWorkerId;

    /// <summary>This host's index in a cluster joined across machines (<c>--join</c>); 0 on one machine.</summary>
    /// <exception cref="DotnetWorkersException">Joined, and the server cannot be reached.</exception>
    public static int HostIndex => Runtime.FirstWorkerId / MultiHost.HostLink.IdsPerHost;

    /// <summary>
    /// The hosts of a cluster joined across machines (<c>dotnet-workers app.dll --join
    /// redis://HOST:PORT/NAME</c> on each), by index, with their processes, as their last
    /// heartbeat told (each is renewed every second and expires after 3: a host that died
    /// is gone from the list within 3 seconds). On one machine, this host alone.
    /// </summary>
    /// <exception cref="DotnetWorkersException">Joined, and the server cannot be reached.</exception>
    public static IReadOnlyList<HostInfo> Hosts => Runtime.Link?.ReadHosts() ?? [LocalHost()];

    private static HostInfo LocalHost() => new(
        0,
        Environment.MachineName,
        $"{Environment.MachineName}:{Runtime.Region.ProcessPid(0)}",
        true,
        [.. Runtime.ReadWorkers().Select(w => new HostProcessInfo(w.Id, w.ProcessId, w.Role, w.Status))]);

    /// <summary>How many workers the cluster started with (the primary not included); 0 in a cluster of one.</summary>
    public static int WorkerCount => Runtime.WorkerCount;

    /// <summary>This process's role: "primary", "worker", or a name given with <c>--role NAME=N</c>.</summary>
    public static string Role => Runtime.Role;

    /// <summary>The operating system's id of this process. Does not bind to the cluster.</summary>
    public static int ProcessId => Environment.ProcessId;

    /// <summary>True when the app was not started by the launcher and runs as a cluster of one.</summary>
    public static bool IsStandalone => Runtime.IsStandalone;

    /// <summary>
    /// Cancelled when the cluster shuts down (the primary ended, or the launcher got
    /// Ctrl-C/SIGTERM) or this process got SIGINT/SIGTERM. Finish up and return: the
    /// launcher kills what is still running after <c>--shutdown-timeout</c>.
    /// </summary>
    /// <remarks>
    /// The first use installs process-wide SIGINT and SIGTERM handlers that cancel the
    /// runtime's default (terminate now) and fire this token instead. A process that never
    /// uses it keeps the default: SIGTERM ends it with exit code 143. In a cluster of one,
    /// the first signal fires the token and a second one terminates the process.
    /// </remarks>
    public static CancellationToken ShutdownToken => Runtime.Lifetime.ShutdownToken;

    /// <summary>
    /// Tells the launcher that this process is ready to serve: a reload
    /// (<c>dotnet-workers reload</c>) stops the process this one replaces only then, or once
    /// <c>--ready-timeout</c> has passed. The message is systemd's <c>READY=1</c> on
    /// <c>NOTIFY_SOCKET</c>, the one the Generic Host's <c>AddSystemd()</c> sends: an app that
    /// uses it need not call this. Calling it again does no harm. Does not bind to the cluster.
    /// </summary>
    /// <returns>False when no supervisor listens (the app runs without the launcher).</returns>
    public static bool SignalReady() => Supervision.ReadinessNotice.Send("READY=1");

    /// <summary>
    /// Ends this process's part in the cluster; the others run on. <see cref="ShutdownToken"/>
    /// fires, and a worker no longer outlives <c>Main</c>: it exits when <c>Main</c> returns,
    /// with <c>Main</c>'s exit code, and the launcher judges that exit as any other
    /// (<c>--on-worker-exit</c>: an exit code of 0 is never a crash). For a worker whose work
    /// is done, or whose host stopped on its own (the Generic Host integration calls this
    /// then). The primary's exit still ends the cluster. Calling it again does nothing more.
    /// </summary>
    public static void Leave() => Runtime.Lifetime.StopLocally();

    /// <summary>The bytes of address space reserved for the shared region (<c>--memory</c>).</summary>
    public static long MemoryReserved => (long)Runtime.Region.Size;

    /// <summary>
    /// A snapshot of every process the cluster has started, ordered by id: the primary
    /// first, then the workers, with their operating-system pid, role and status.
    /// </summary>
    public static IReadOnlyList<WorkerInfo> Workers => Runtime.ReadWorkers();

    /// <summary>
    /// Asks the launcher to start <paramref name="count"/> new workers of role
    /// <paramref name="role"/> (any process may ask), and completes with their ids once every
    /// one of them runs (has bound to the library: they run this app's <c>Main</c>). They
    /// take the lowest free ids; <see cref="WorkerCount"/> stays the number the cluster
    /// started with, <see cref="Workers"/> lists them all. The process table holds 1023
    /// workers, started ones and ended ones together.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="role"/> is not 1-31 of <c>[A-Za-z0-9_.-]</c>, or is "primary".</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not 1..1023.</exception>
    /// <exception cref="InvalidOperationException">The table has fewer free ids than <paramref name="count"/> (nothing is started), or this is a cluster of one.</exception>
    public static Task<IReadOnlyList<int>> StartWorkersAsync(string role, int count = 1, CancellationToken cancellationToken = default)
    {
        Task<IReadOnlyList<int>> starting = Runtime.Supervisor.StartWorkersAsync(role, count, cancellationToken);
        int first = Runtime.FirstWorkerId;
        return first == 0 ? starting : WithGlobalIds(starting, first);
    }

    private static async Task<IReadOnlyList<int>> WithGlobalIds(Task<IReadOnlyList<int>> starting, int first) =>
        [.. (await starting.ConfigureAwait(false)).Select(id => first + id)];

    /// <summary>
    /// Asks the launcher to stop worker <paramref name="id"/> gracefully, for good (its
    /// <see cref="ShutdownToken"/>, SIGTERM if it does not use the library, SIGKILL after
    /// <c>--shutdown-timeout</c>), and completes once it has ended. Any process may ask;
    /// a worker that stops itself this way never sees the task complete.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is 0 (the primary) or outside 1..1023.</exception>
    /// <exception cref="InvalidOperationException">The worker is not running, or this is a cluster of one (no launcher).</exception>
    public static Task StopWorkerAsync(int id, CancellationToken cancellationToken = default) =>
        Runtime.Supervisor.StopWorkerAsync(Runtime.LocalIdOf(id, nameof(id)), cancellationToken);

    /// <summary>
    /// Asks the launcher to restart worker <paramref name="id"/>: stopped gracefully as by
    /// <see cref="StopWorkerAsync"/>, then started again with the same id and role (counted
    /// in <see cref="WorkerInfo.Restarts"/>, cause <see cref="WorkerExitCause.Requested"/>).
    /// Completes with the new process once it runs (bound to the library, if the old one was).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is 0 (the primary) or outside 1..1023.</exception>
    /// <exception cref="InvalidOperationException">The worker is not running, or this is a cluster of one (no launcher).</exception>
    public static Task<WorkerInfo> RestartWorkerAsync(int id, CancellationToken cancellationToken = default)
    {
        Task<WorkerInfo> restarting = Runtime.Supervisor.RestartWorkerAsync(Runtime.LocalIdOf(id, nameof(id)), cancellationToken);
        int first = Runtime.FirstWorkerId;
        return first == 0 ? restarting : WithGlobalId(restarting, first);
    }

    private static async Task<WorkerInfo> WithGlobalId(Task<WorkerInfo> restarting, int first)
    {
        WorkerInfo restarted = await restarting.ConfigureAwait(false);
        return restarted with { Id = first + restarted.Id };
    }

    /// <summary>The keyed store every process shares: values, counters, <c>GetOrSetAsync</c> computed once.</summary>
    public static Store.SharedStore Store => Runtime.Store;

    /// <summary>Named blocks of shared bytes, zero copy, reference counted across processes.</summary>
    public static Buffers.SharedBuffers Buffers => Runtime.Buffers;

    /// <summary>Named mutexes and semaphores across processes, robust to a holder dying.</summary>
    public static Locks.SharedLocks Locks => Runtime.Locks;

    /// <summary>How the shared region's memory is used right now.</summary>
    public static MemoryStatistics Memory => MemoryStatistics.From(Runtime.ReadMemoryStatistics());

    /// <summary>Named bounded queues shared by every process, shaped like System.Threading.Channels.</summary>
    public static Queues.SharedQueues Queues => Runtime.Queues;

    /// <summary>Publish/subscribe by topic across processes.</summary>
    public static Events.SharedEvents Events => Runtime.Messaging.Events;

    /// <summary>The cluster's shared JSON documents, patched with MongoDB update operators (<see cref="Documents.SharedDocuments"/>).</summary>
    public static Documents.SharedDocuments Documents => Runtime.Documents;

    /// <summary>
    /// Serves <paramref name="implementation"/> to every process of the cluster as
    /// <typeparamref name="TService"/>: calls made through <see cref="Proxy{TService}"/> in any
    /// process (this one included) run here, on the thread pool.
    /// </summary>
    /// <typeparam name="TService">An interface whose methods return Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;,
    /// with MemoryPack-serializable parameters and results; a CancellationToken parameter is
    /// cancelled when the caller cancels or times out.</typeparam>
    /// <returns>Dispose it to stop serving (calls already running finish).</returns>
    /// <exception cref="ArgumentException"><typeparamref name="TService"/> is not a valid service interface.</exception>
    /// <exception cref="InvalidOperationException">This process already serves <typeparamref name="TService"/>.</exception>
    public static IDisposable Serve<[RpcService] TService>(TService implementation)
        where TService : class => Runtime.Messaging.Server.Serve(implementation);

    /// <summary>
    /// A proxy whose methods call <typeparamref name="TService"/> in a serving process.
    /// Proxies are cheap, thread-safe and can be kept.
    /// </summary>
    /// <param name="target">Which process: <see cref="RpcTarget.Any"/> (default: the least busy server), a worker, or a role.</param>
    /// <param name="timeout">If set, a call not answered in time throws <see cref="TimeoutException"/> and is cancelled on the server.</param>
    /// <remarks>
    /// A call fails with <see cref="ServiceNotFoundException"/> if no (targeted) process serves
    /// the interface, <see cref="RemoteProcessDiedException"/> if the serving process dies
    /// before answering, <see cref="RemoteException"/> if the method threw, and
    /// <see cref="OperationCanceledException"/> if its CancellationToken is cancelled.
    /// </remarks>
    /// <exception cref="ArgumentException"><typeparamref name="TService"/> is not a valid service interface.</exception>
    public static TService Proxy<[RpcService] TService>(RpcTarget? target = null, TimeSpan? timeout = null)
        where TService : class => Runtime.Messaging.Client.Proxy<TService>(target ?? RpcTarget.Any, timeout);

    /// <summary>
    /// Calls every process that serves <typeparamref name="TService"/> now, concurrently, and
    /// gathers the results in process id order.
    /// </summary>
    /// <param name="call">What to call on each server's proxy.</param>
    /// <param name="timeout">If set, the bound of each call.</param>
    /// <exception cref="ServiceNotFoundException">No process serves it.</exception>
    public static Task<IReadOnlyList<TResult>> CallAllAsync<[RpcService] TService, TResult>(Func<TService, Task<TResult>> call, TimeSpan? timeout = null)
        where TService : class => Runtime.Messaging.Client.CallAllAsync(call, timeout);

    /// <summary>The ids of the processes serving <typeparamref name="TService"/> now, ascending.</summary>
    public static IReadOnlyList<int> ServersOf<[RpcService] TService>()
        where TService : class => Runtime.Messaging.Client.ServersOf(typeof(TService));

    /// <summary>
    /// Waits until at least <paramref name="count"/> processes serve <typeparamref name="TService"/>
    /// (workers register as they start). Polls every millisecond.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public static Task WaitForServersAsync<[RpcService] TService>(int count = 1, CancellationToken cancellationToken = default)
        where TService : class => Runtime.Messaging.Client.WaitForServersAsync(typeof(TService), count, cancellationToken);
}
