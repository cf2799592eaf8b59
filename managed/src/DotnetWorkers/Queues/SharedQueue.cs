using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DotnetWorkers.Messaging;
using DotnetWorkers.Native;
using MemoryPack;

namespace DotnetWorkers.Queues;

/// <summary>
/// A bounded FIFO of <typeparamref name="T"/> shared by every process of the cluster, shaped
/// like a <see cref="Channel{T}"/>: many writers and many readers in any processes, each
/// message read once. Values cross as MemoryPack bytes.
/// </summary>
/// <remarks>
/// <para>Messages from one writer are read in the order it wrote them. A full queue makes
/// <see cref="WriteAsync"/> wait (backpressure) and <see cref="TryWrite"/> return false.</para>
/// <para>A reader waiting in <see cref="ReadAsync"/> or <see cref="WaitToReadAsync"/> uses no
/// CPU, and a writer waiting for room in <see cref="WriteAsync"/> neither: this process's
/// dispatcher sleeps until a writer (or a reader that freed a cell) rings it.</para>
/// <para>A writer killed mid-write leaves nothing behind; a reader killed after taking a
/// message but before it was freed leaves it for the next reader (at least once).</para>
/// </remarks>
public sealed class SharedQueue<T>
{
    private readonly ClusterRuntime _runtime;
    private readonly uint _index;
    private readonly QueueReadable _readable;
    private readonly QueueWritable _writable;

    internal SharedQueue(ClusterRuntime runtime, string name, uint index)
    {
        _runtime = runtime;
        Name = name;
        _index = index;
        _readable = new QueueReadable(runtime, index);
        _writable = new QueueWritable(runtime, index);
    }

    /// <summary>The queue's index in the region's queue table.</summary>
    internal uint Index => _index;

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>Messages waiting now (a snapshot).</summary>
    public int Count
    {
        get
        {
            NativeErrors.ThrowIfFailed(NativeMethods.QueueState(_runtime.RegionHandle, _index, out ulong count, out _), "Reading a queue");
            return (int)count;
        }
    }

    /// <summary>True once a process called <see cref="Complete"/>: no more writes; readers drain what is left.</summary>
    public bool IsCompleted
    {
        get
        {
            NativeErrors.ThrowIfFailed(NativeMethods.QueueState(_runtime.RegionHandle, _index, out _, out uint completed), "Reading a queue");
            return completed != 0;
        }
    }

    /// <summary>Writes <paramref name="item"/> if there is room now.</summary>
    /// <returns>False if the queue is full.</returns>
    /// <exception cref="ChannelClosedException">The queue was completed.</exception>
    public bool TryWrite(T item)
    {
        using MessageBuffer buffer = MessageBuffer.Rent();
        MemoryPackSerializer.Serialize(buffer.Writer, item);
        return TryWriteBytes(buffer.Span);
    }

    private unsafe bool TryWriteBytes(ReadOnlySpan<byte> bytes)
    {
        DwStatus status;
        fixed (byte* p = bytes)
        {
            status = NativeMethods.QueueTryWrite(_runtime.RegionHandle, _index, p, (uint)bytes.Length);
        }

        return status switch
        {
            DwStatus.Ok => true,
            DwStatus.Timeout => false,
            DwStatus.Closed => throw new ChannelClosedException($"The queue '{Name}' was completed."),
            _ => throw NativeErrors.Create(status, $"Writing to the queue '{Name}'"),
        };
    }

    /// <summary>Writes <paramref name="item"/>, waiting for room while the queue is full.</summary>
    /// <exception cref="ChannelClosedException">The queue was completed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        MessageBuffer buffer = MessageBuffer.Rent();
        MemoryPackSerializer.Serialize(buffer.Writer, item);
        if (TryWriteBytes(buffer.Span))
        {
            buffer.Dispose();
            return ValueTask.CompletedTask;
        }

        return WaitAndWriteAsync(buffer, cancellationToken);
    }

    private async ValueTask WaitAndWriteAsync(MessageBuffer buffer, CancellationToken cancellationToken)
    {
        try
        {
            // A reader usually makes room within microseconds: look again in a short spin
            // first, then wait for a reader to free a cell (it rings this process).
            if (SpinUntil(() => TryWriteBytes(buffer.Span)))
            {
                return;
            }

            while (!TryWriteBytes(buffer.Span))
            {
                await _runtime.Dispatcher.WaitAsync(_writable, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>Takes the first message if there is one.</summary>
    /// <returns>False if the queue is empty (or completed and empty).</returns>
    public bool TryRead([MaybeNullWhen(false)] out T item)
    {
        DwStatus status = TryReadCore(out T? read);
        item = read!;
        if (status == DwStatus.Ok)
        {
            return true;
        }

        if (status is DwStatus.Timeout or DwStatus.Closed)
        {
            return false;
        }

        throw NativeErrors.Create(status, $"Reading the queue '{Name}'");
    }

    private unsafe DwStatus TryReadCore(out T? item)
    {
        item = default;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            for (;;)
            {
                uint length;
                DwStatus status;
                fixed (byte* p = buffer)
                {
                    status = NativeMethods.QueueTryRead(_runtime.RegionHandle, _index, p, (uint)buffer.Length, out length);
                }

                if (status == DwStatus.BufferTooSmall)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent((int)length);
                    continue;
                }

                if (status == DwStatus.Ok)
                {
                    item = MemoryPackSerializer.Deserialize<T>(buffer.AsSpan(0, (int)length));
                }

                return status;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Takes the first message, waiting for one.</summary>
    /// <exception cref="ChannelClosedException">The queue was completed and is empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
    {
        for (;;)
        {
            if (TryRead(out T? item))
            {
                return item;
            }

            if (!await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ChannelClosedException($"The queue '{Name}' was completed and is empty.");
            }
        }
    }

    /// <summary>
    /// Waits until a message may be available. Another reader may take it first: follow with
    /// <see cref="TryRead"/> in a loop.
    /// </summary>
    /// <returns>True when a message is waiting; false once the queue is completed and empty.</returns>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        for (;;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            NativeErrors.ThrowIfFailed(NativeMethods.QueueState(_runtime.RegionHandle, _index, out ulong count, out uint completed), "Reading a queue");
            if (count > 0)
            {
                return true;
            }

            if (completed != 0)
            {
                return false;
            }

            // A writer that is writing now delivers within microseconds: a short spin
            // saves the two thread wake-ups of the dispatcher's path.
            if (SpinUntil(() => NativeMethods.QueueState(_runtime.RegionHandle, _index, out ulong n, out uint done) == DwStatus.Ok && (n > 0 || done != 0)))
            {
                continue;
            }

            // Register, then look again: a message committed in between rings the doorbell.
            Task ready = _runtime.Dispatcher.WaitAsync(_readable, cancellationToken);
            NativeMethods.QueueState(_runtime.RegionHandle, _index, out count, out completed);
            if (count == 0 && completed == 0)
            {
                await ready.ConfigureAwait(false);
            }
        }
    }

    /// <summary>Spins (bounded by <see cref="Dispatcher.CallerPollTicks"/>) until <paramref name="condition"/> holds.</summary>
    private static bool SpinUntil(Func<bool> condition)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + Dispatcher.CallerPollTicks;
        var spinner = default(SpinWait);
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            if (condition())
            {
                return true;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return false;
    }

    /// <summary>Reads messages as they come, until the queue is completed and empty.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (TryRead(out T? item))
            {
                yield return item;
            }
        }
    }

    /// <summary>No more messages will be written, by any process: writers get <see cref="ChannelClosedException"/>, readers drain what is left.</summary>
    public void Complete() =>
        NativeErrors.ThrowIfFailed(NativeMethods.QueueComplete(_runtime.RegionHandle, _index), $"Completing the queue '{Name}'");
}
