using DotnetWorkers.Region;

namespace DotnetWorkers.Tests;

/// <summary>
/// A cluster of one on a private region of a chosen size, bound the way a launched process
/// binds: for in-process tests of the store, buffers and locks. Cross-process behaviour is
/// tested through the real launcher.
/// </summary>
internal sealed unsafe class TestCluster : IDisposable
{
    private readonly SharedRegion _region;
    private int _disposed;

    internal TestCluster(ulong size = 64UL << 20)
    {
        _region = SharedRegion.CreatePrivate(size);
        string descriptor = $"v1:pid={Environment.ProcessId}:fd=3:addr=0x{(ulong)_region.Base:x}:size={_region.Size}";
        Runtime = ClusterRuntime.Bind(
            name => name switch
            {
                ClusterRuntime.RegionVariable => descriptor,
                ClusterRuntime.IdVariable => "0",
                _ => null,
            },
            _ => { },
            keepWorkersAlive: false);
    }

    internal ClusterRuntime Runtime { get; }

    internal Store.SharedStore Store => Runtime.Store;

    internal Buffers.SharedBuffers Buffers => Runtime.Buffers;

    internal Locks.SharedLocks Locks => Runtime.Locks;

    internal Queues.SharedQueues Queues => Runtime.Queues;

    internal Events.SharedEvents Events => Runtime.Messaging.Events;

    internal DotnetWorkers.Documents.SharedDocuments Documents => Runtime.Documents;

    internal IDisposable Serve<[RpcService] T>(T implementation)
        where T : class => Runtime.Messaging.Server.Serve(implementation);

    internal T Proxy<[RpcService] T>(RpcTarget? target = null, TimeSpan? timeout = null)
        where T : class => Runtime.Messaging.Client.Proxy<T>(target ?? RpcTarget.Any, timeout);

    internal MemoryStatistics Memory => MemoryStatistics.From(Runtime.ReadMemoryStatistics());

    /// <summary>Releases the cluster; a second call does nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Runtime.Dispose();
            _region.Dispose();
        }
    }
}
