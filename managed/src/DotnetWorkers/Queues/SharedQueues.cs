using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Threading.Channels;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Queues;

/// <summary>Named bounded queues that every process of the cluster can write and read.</summary>
public sealed unsafe class SharedQueues : ISharedQueues
{
    private readonly ClusterRuntime _runtime;

    internal SharedQueues(ClusterRuntime runtime)
    {
        _runtime = runtime;
        Errors = new CompletionErrors(runtime);
    }

    /// <summary>The errors queues were completed with, as this process knows them.</summary>
    internal CompletionErrors Errors { get; }

    /// <summary>
    /// Opens the queue <paramref name="name"/>, creating it on first use: a FIFO of up to
    /// <paramref name="capacity"/> messages (rounded up to a power of two). Messages of up to
    /// <paramref name="inlineBytes"/> serialized bytes are stored in the queue itself; bigger
    /// ones are spilled to a block of shared memory (slower, but any size works).
    /// </summary>
    /// <remarks>
    /// <para>Every process that opens the same name gets the same queue, and must pass the same
    /// capacity, inline size and element type. Queues live as long as the cluster.</para>
    /// <para>Joined across machines (<c>--join</c>), the queue is on the server, shared by
    /// every host (the inline size means nothing there), and a message taken with
    /// <see cref="SharedQueue{T}.TakeAsync"/> is delivered again if its reader dies before it
    /// acknowledges it: see docs/multihost.md.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">The name is null, empty or longer than 128 bytes of UTF-8, or a size is out of range.</exception>
    /// <exception cref="InvalidOperationException">The queue exists with another capacity or inline size.</exception>
    /// <exception cref="SharedTypeMismatchException">The queue was created for another type of message.</exception>
    /// <exception cref="DotnetWorkersException">The cluster already has 256 queues (or, joined, the server could not be reached).</exception>
    public SharedQueue<T> Open<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string name, int capacity = 1024, int inlineBytes = 112)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, RegionLayout.MaxQueueCells);
        ArgumentOutOfRangeException.ThrowIfLessThan(inlineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inlineBytes, RegionLayout.MaxSlotSize);
        Span<byte> utf8 = stackalloc byte[RegionLayout.MaxNameLength];
        ReadOnlySpan<byte> bytes = Store.Utf8Name.Encode(name, utf8, "queue name", nameof(name));
        if (_runtime.Link is { } link)
        {
            var remote = MultiHost.RedisQueue.Open(link, name, Types.TypeIdentity<T>.Name, typeof(T), capacity);
            return new SharedQueue<T>(_runtime, this, name, uint.MaxValue, 0, remote);
        }

        ulong type = _runtime.TypeNames.Record<T>();
        uint index;
        ulong existing;
        DwStatus status;
        fixed (byte* p = bytes)
        {
            status = NativeMethods.QueueOpen(_runtime.RegionHandle, p, (uint)bytes.Length, (uint)capacity, (uint)inlineBytes, type,
                out index, out existing);
        }

        if (status == DwStatus.TypeMismatch)
        {
            string stored = _runtime.TypeNames.Describe(existing);
            throw new SharedTypeMismatchException(
                $"The queue '{name}' carries {stored}, not {Types.TypeIdentity<T>.Name}: open it with the type it was created with.", typeof(T), stored);
        }

        NativeErrors.ThrowIfFailed(status, $"Opening the queue '{name}'");
        return new SharedQueue<T>(_runtime, this, name, index, (uint)((inlineBytes + 15) & ~15), null);  // the slot, as the native side rounds it
    }

    Channel<T> ISharedQueues.Open<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string name, int capacity, int inlineBytes) => Open<T>(name, capacity, inlineBytes);
}
