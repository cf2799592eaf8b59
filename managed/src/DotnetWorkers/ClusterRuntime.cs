using DotnetWorkers.Buffers;
using DotnetWorkers.Lifetime;
using DotnetWorkers.Locks;
using DotnetWorkers.Messaging;
using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;
using DotnetWorkers.Region;
using DotnetWorkers.Store;

namespace DotnetWorkers;

/// <summary>
/// This process's membership of the cluster: the region it is bound to, who it is, and its
/// lifetime. <see cref="Cluster"/> is the public face of the one instance per process.
/// </summary>
internal sealed class ClusterRuntime : IDisposable
{
    private readonly nint _regionHandle;
    private readonly Supervision.HeapPublisher _heapPublisher;
    private readonly Lock _gate = new();
    private string? _role;
    private Types.TypeNames? _typeNames;
    private RegionWatches? _watches;
    private ProcessMessaging? _messaging;
    private DotnetWorkers.Queues.SharedQueues? _queues;
    private SharedStore? _store;
    private SharedBuffers? _buffers;
    private SharedLocks? _locks;
    private Supervision.SupervisorRequests? _supervisor;
    private Documents.SharedDocuments? _documents;
    private MultiHost.HostLink? _link;
    private readonly Lock _linkGate = new();
    private volatile bool _disposed;

    internal const string RegionVariable = "DOTNET_WORKERS_REGION";
    internal const string IdVariable = "DOTNET_WORKERS_ID";

    /// <summary>The region a cluster of one reserves: address space only, paid on touch.</summary>
    internal const ulong StandaloneRegionSize = 1UL << 30;

    /// <summary>
    /// Every process of the cluster pays for its bind, most of them before they do anything
    /// else, so a bind does only what cannot wait: it marks the process ready and starts the
    /// lifetime thread. Every feature (store, messaging, queues...) is made on its first use;
    /// the lifetime thread's passes publish the heap and, once messaging exists, pump it.
    /// </summary>
    private ClusterRuntime(SharedRegion region, int workerId, bool standalone, bool keepAlive, MultiHost.JoinSettings? join = null)
    {
        Join = join;
        Region = region;
        WorkerId = workerId;
        IsStandalone = standalone;
        WorkerCount = region.WorkerCount;
        _regionHandle = region.Handle.DangerousGetHandle();
        _heapPublisher = new Supervision.HeapPublisher(region, workerId);
        Lifetime = new ClusterLifetime(region, workerId, keepAlive, standalone, OnLifetimePass);
        if (join is not null)
        {
            // Joined across machines: connect now, off the bind's path, so that this host's
            // heartbeat starts with the process (a failure is thrown again at first use).
            ThreadPool.UnsafeQueueUserWorkItem(static runtime => runtime.TryLink(), this, preferLocal: false);
        }
    }

    /// <summary>What <c>--join</c> gave this process; null when the cluster is on one machine only.</summary>
    internal MultiHost.JoinSettings? Join { get; }

    /// <summary>The link to the server of a cluster joined across machines, connected on first use; null when not joined.</summary>
    /// <exception cref="DotnetWorkersException">The server cannot be reached or refused the connection.</exception>
    /// <remarks>Made under its own lock, not the features' one: a connection takes a round trip or a timeout, which the first use of another feature need not wait for.</remarks>
    internal MultiHost.HostLink? Link
    {
        get
        {
            if (Join is null)
            {
                return null;
            }

            MultiHost.HostLink? link = Volatile.Read(ref _link);
            if (link is not null)
            {
                return link;
            }

            lock (_linkGate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                link = _link ?? MultiHost.HostLink.Connect(this, Join);
                Volatile.Write(ref _link, link);
                return link;
            }
        }
    }

    /// <summary>This host's first id in the whole cluster (0 when not joined): ids in this host's table are added to it.</summary>
    internal int FirstWorkerId => Link?.FirstWorkerId ?? 0;

    /// <summary>This process's id in the whole cluster: <see cref="WorkerId"/> unless joined across machines.</summary>
    internal int GlobalWorkerId => FirstWorkerId + WorkerId;

    /// <summary>The id in this host's table of a process's cluster-wide id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is another host's.</exception>
    internal int LocalIdOf(int id, string parameterName)
    {
        int first = FirstWorkerId;
        if (first != 0 && (id < first || id >= first + RegionLayout.ProcessCapacity))
        {
            throw new ArgumentOutOfRangeException(parameterName, id,
                $"Process {id} is not on this host (host {first / RegionLayout.ProcessCapacity}, ids {first}..{first + RegionLayout.ProcessCapacity - 1}): ask on its own host.");
        }

        return id - first;
    }

    private void TryLink()
    {
        try
        {
            _ = Link;
        }
        catch (Exception)
        {
            // Whatever it was (the server, the password, a missing assembly), it is thrown
            // again, with its message, at the first use that needs the server; here, on a
            // thread-pool thread, it would only end the process.
        }
    }

    internal SharedRegion Region { get; }

    internal int WorkerId { get; }

    internal int WorkerCount { get; }

    /// <summary>Read from the process table on first use, not at bind (every process pays for bind).</summary>
    internal string Role => _role ??= Region.ReadProcess(WorkerId)?.Role ?? "unknown";

    internal bool IsStandalone { get; }

    internal ClusterLifetime Lifetime { get; }

    /// <summary>This process's watches in the region (what rings its doorbell), counted.</summary>
    internal RegionWatches Watches => Once(ref _watches, static runtime => new RegionWatches(runtime));

    /// <summary>The cluster's names of the value types that cross processes.</summary>
    internal Types.TypeNames TypeNames => Once(ref _typeNames, static runtime => new Types.TypeNames(runtime));

    internal SharedStore Store => Once(ref _store, static runtime => new SharedStore(runtime));

    internal SharedBuffers Buffers => Once(ref _buffers, static runtime => new SharedBuffers(runtime));

    internal SharedLocks Locks => Once(ref _locks, static runtime => new SharedLocks(runtime));

    /// <summary>Made on first use: it brings System.Text.Json, which a process that never opens a document need not load at bind.</summary>
    internal Documents.SharedDocuments Documents => Once(ref _documents, static runtime => new Documents.SharedDocuments(runtime));

    /// <summary>Stopping and restarting workers through the launcher.</summary>
    internal Supervision.SupervisorRequests Supervisor => Once(ref _supervisor, static runtime => new Supervision.SupervisorRequests(runtime));

    internal bool IsDisposed => _disposed;

    /// <summary>Inboxes, their drain and scheduling, RPC and events, and the waiters.</summary>
    internal ProcessMessaging Messaging => Once(ref _messaging, static runtime => new ProcessMessaging(runtime));

    internal DotnetWorkers.Queues.SharedQueues Queues => Once(ref _queues, static runtime => new DotnetWorkers.Queues.SharedQueues(runtime));

    /// <summary>
    /// <paramref name="field"/>, made by <paramref name="make"/> the first time it is asked
    /// for, once (messaging registers handlers, watches count: neither may exist twice).
    /// </summary>
    private T Once<T>(ref T? field, Func<ClusterRuntime, T> make)
        where T : class
    {
        T? made = Volatile.Read(ref field);
        if (made is not null)
        {
            return made;
        }

        lock (_gate)
        {
            made = field ?? make(this);
            Volatile.Write(ref field, made);
            return made;
        }
    }

    /// <summary>
    /// What the lifetime thread does on every pass (each ring of the doorbell, and at least
    /// once a second): the heap's size when due, then messaging's work, once there is messaging.
    /// </summary>
    private bool OnLifetimePass()
    {
        _heapPublisher.PublishIfDue();
        return Volatile.Read(ref _messaging)?.Pump.Pump() ?? false;
    }

    /// <summary>
    /// True while process <paramref name="id"/> runs (or is stopping) and is still the
    /// incarnation with OS pid <paramref name="pid"/> (0: any).
    /// </summary>
    internal bool IsAlive(int id, uint pid)
    {
        if ((uint)id >= RegionLayout.ProcessCapacity)
        {
            return false;
        }

        uint state = Region.ProcessState(id);
        return state is RegionLayout.ProcessRunning or RegionLayout.ProcessStopping &&
               (pid == 0 || Region.ProcessPid(id) == pid);
    }

    /// <summary>
    /// The native region for the hot paths (store, buffers, locks): raw, without the
    /// SafeHandle's reference counting. The region lives as long as the process; only tests
    /// release it, and after that every use throws.
    /// </summary>
    internal nint RegionHandle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _regionHandle;
        }
    }

    internal unsafe NativeMethods.MemoryStatisticsNative ReadMemoryStatistics()
    {
        var statistics = new NativeMethods.MemoryStatisticsNative { Size = (uint)sizeof(NativeMethods.MemoryStatisticsNative) };
        NativeErrors.ThrowIfFailed(NativeMethods.MemoryStatisticsRead(RegionHandle, &statistics), "Reading memory statistics");
        return statistics;
    }

    /// <summary>Binds this process, reading the launcher's environment variables.</summary>
    /// <remarks>Console.Error is touched only to report a cluster of one: creating it sets up
    /// the console's encoding, which loads ICU (~10 ms) in every process that binds.</remarks>
    internal static ClusterRuntime BindCurrentProcess() =>
        Bind(Environment.GetEnvironmentVariable, line => Console.Error.WriteLine(line), keepWorkersAlive: true);

    /// <summary>
    /// Binds to the cluster described by <paramref name="getVariable"/>, or becomes a
    /// cluster of one (saying so once through <paramref name="report"/>) when there is none.
    /// </summary>
    internal static ClusterRuntime Bind(Func<string, string?> getVariable, Action<string> report, bool keepWorkersAlive)
    {
        string? descriptor = getVariable(RegionVariable);
        if (string.IsNullOrEmpty(descriptor))
        {
            return Standalone(report, "it was not started by the dotnet-workers launcher");
        }

        SharedRegion? region;
        try
        {
            region = SharedRegion.AttachIfOwn(descriptor);
        }
        catch (DllNotFoundException e)
        {
            throw new DotnetWorkersException(
                "libdotnetworkers.so was not found next to the app: reference the DotnetWorkers package (or project) from the app.", e);
        }

        if (region is null)
        {
            return Standalone(report,
                $"it inherited {RegionVariable} from the cluster process that started it, but the launcher did not start it");
        }

        try
        {
            string? idText = getVariable(IdVariable);
            if (!TryParseProcessId(idText, out int id))
            {
                throw new DotnetWorkersException($"{IdVariable}='{idText}' is not a process id of this cluster (0 to {RegionLayout.ProcessCapacity - 1}).");
            }

            if (NativeMethods.ProcessMarkReady(region.Handle, (uint)id, (uint)Environment.ProcessId) != DwStatus.Ok)
            {
                throw new DotnetWorkersException($"{IdVariable}={id} is not a process the launcher started: {NativeMethods.LastErrorMessage()}");
            }

            return new ClusterRuntime(region, id, standalone: false, keepAlive: keepWorkersAlive && id != 0, MultiHost.JoinSettings.FromEnvironment(getVariable));
        }
        catch
        {
            region.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Parses a process id ("0".."1023") by hand: the number APIs initialize globalization
    /// (loading ICU costs ~10 ms), which every process of the cluster would pay at bind.
    /// </summary>
    private static bool TryParseProcessId(string? text, out int id)
    {
        id = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 4)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            id = (id * 10) + (c - '0');
        }

        return id < RegionLayout.ProcessCapacity;
    }

    private static ClusterRuntime Standalone(Action<string> report, string why)
    {
        report($"dotnet-workers: running as a cluster of one process ({why}); start it with `dotnet-workers app.dll` to get workers.");
        SharedRegion region;
        try
        {
            region = SharedRegion.CreatePrivate(StandaloneRegionSize);
        }
        catch (DllNotFoundException e)
        {
            throw new DotnetWorkersException(
                "libdotnetworkers.so was not found next to the app: reference the DotnetWorkers package (or project) from the app.", e);
        }

        return new ClusterRuntime(region, 0, standalone: true, keepAlive: false);
    }

    /// <summary>A snapshot of every process the cluster has started, by id.</summary>
    internal IReadOnlyList<WorkerInfo> ReadWorkers()
    {
        var workers = new List<WorkerInfo>();
        int first = FirstWorkerId;
        for (int id = 0; id < RegionLayout.ProcessCapacity; id++)
        {
            if (Region.ReadProcess(id) is not { } info)
            {
                continue;
            }

            info = Supervision.KernelStatistics.AddTo(info);
            info = Supervision.KernelStatistics.IsLive(info) ? info with { InboxDepth = Messaging.Inboxes.Depth(id) } : info;
            workers.Add(first == 0 ? info : info with { Id = first + id });
        }

        return workers;
    }

    /// <summary>Releases the binding (tests; a real process keeps it until exit).</summary>
    public void Dispose()
    {
        // The lifetime thread may still be inside a native wait: the region's SafeHandle
        // keeps the native attachment alive until that call returns. Messaging stops first:
        // the threads it waits for (pollers letting go) still use the region.
        Volatile.Read(ref _messaging)?.Stop();
        lock (_linkGate)
        {
            _disposed = true;  // before the link is let go: no new one is made after it
            _link?.Dispose();
        }

        Lifetime.Dispose();
        Region.Dispose();
    }
}
