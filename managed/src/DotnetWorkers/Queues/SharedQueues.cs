using System.Text;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Queues;

/// <summary>Named bounded queues that every process of the cluster can write and read.</summary>
public sealed unsafe class SharedQueues
{
    private readonly ClusterRuntime _runtime;

    internal SharedQueues(ClusterRuntime runtime) => _runtime = runtime;

    /// <summary>
    /// Opens the queue <paramref name="name"/>, creating it on first use: a FIFO of up to
    /// <paramref name="capacity"/> messages (rounded up to a power of two). Messages of up to
    /// <paramref name="inlineBytes"/> serialized bytes are stored in the queue itself; bigger
    /// ones are spilled to a block of shared memory (slower, but any size works).
    /// </summary>
    /// <remarks>
    /// Every process that opens the same name gets the same queue, and must pass the same
    /// capacity and inline size. Queues live as long as the cluster.
    /// </remarks>
    /// <exception cref="ArgumentException">The name is null, empty or longer than 128 bytes of UTF-8, or a size is out of range.</exception>
    /// <exception cref="InvalidOperationException">The queue exists with another capacity or inline size.</exception>
    /// <exception cref="DotnetWorkersException">The cluster already has 256 queues.</exception>
    public SharedQueue<T> Open<T>(string name, int capacity = 1024, int inlineBytes = 112)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, RegionLayout.MaxQueueCells);
        ArgumentOutOfRangeException.ThrowIfLessThan(inlineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inlineBytes, RegionLayout.MaxSlotSize);
        Span<byte> utf8 = stackalloc byte[RegionLayout.MaxNameLength];
        ReadOnlySpan<byte> bytes = Store.Utf8Name.Encode(name, utf8, "queue name", nameof(name));
        uint index;
        fixed (byte* p = bytes)
        {
            NativeErrors.ThrowIfFailed(
                NativeMethods.QueueOpen(_runtime.RegionHandle, p, (uint)bytes.Length, (uint)capacity, (uint)inlineBytes, out index),
                $"Opening the queue '{name}'");
        }

        return new SharedQueue<T>(_runtime, name, index);
    }
}
