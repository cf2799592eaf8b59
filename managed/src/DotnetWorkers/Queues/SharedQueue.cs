using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;
using DotnetWorkers.Native;
using MemoryPack;

namespace DotnetWorkers.Queues;

/// <summary>
/// A bounded FIFO of <typeparamref name="T"/> shared by every process of the cluster: a
/// <see cref="Channel{T}"/>, so code written for System.Threading.Channels takes it as it
/// is (<see cref="Channel{TWrite, TRead}.Reader"/>, <see cref="Channel{TWrite, TRead}.Writer"/>, with
/// <see cref="ChannelReader{T}.Completion"/> and <see cref="ChannelWriter{T}.TryComplete"/>).
/// Many writers and many readers in any processes; each message is read once. Values cross
/// as MemoryPack bytes.
/// </summary>
/// <remarks>
/// <para>Messages from one writer are read in the order it wrote them. A full queue makes
/// <see cref="WriteAsync"/> wait (backpressure) and <see cref="TryWrite"/> return false.</para>
/// <para>Nothing waits on CPU: a reader waiting in <see cref="ReadAsync"/> or
/// <see cref="WaitToReadAsync"/>, a writer waiting for room in <see cref="WriteAsync"/>, a
/// task awaiting <see cref="ChannelReader{T}.Completion"/>: this process's lifetime thread sleeps
/// until the other side rings it.</para>
/// <para>Small messages go fastest in batches: <see cref="TryWriteMany"/> and
/// <see cref="TryReadMany"/> move up to 64 under one lock of the queue.</para>
/// <para>A writer killed mid-write leaves nothing behind; a reader killed after taking a
/// message but before it was freed leaves it for the next reader (at least once).</para>
/// <para>The members of the queue itself differ from its <see cref="Channel{TWrite, TRead}.Writer"/> in
/// one way: <see cref="TryWrite"/> throws <see cref="ChannelClosedException"/> once the queue
/// is completed, where <c>Writer.TryWrite</c> returns false, as every ChannelWriter does.</para>
/// </remarks>
public sealed partial class SharedQueue<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T> : Channel<T>
{
    /// <summary>Messages one batch call moves at most (the native batch's bound).</summary>
    public const int MaxBatch = 64;

    private readonly ClusterRuntime _runtime;
    private readonly SharedQueues _queues;
    private readonly uint _index;
    private readonly uint _slotSize;
    private readonly QueueReadable _readable;
    private readonly QueueWritable _writable;
    private readonly MultiHost.RedisQueue? _remote;
    private Task? _completion;

    // remote: the queue on the server, when the cluster is joined across machines (then index and slotSize mean nothing).
    internal SharedQueue(ClusterRuntime runtime, SharedQueues queues, string name, uint index, uint slotSize, MultiHost.RedisQueue? remote)
    {
        _runtime = runtime;
        _remote = remote;
        _queues = queues;
        Name = name;
        _index = index;
        _slotSize = slotSize;
        _readable = new QueueReadable(runtime, index);
        _writable = new QueueWritable(runtime, index);
        Reader = new QueueReader(this);
        Writer = new QueueWriter(this);
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
            if (_remote is not null)
            {
                return (int)_remote.State().Count;
            }

            NativeErrors.ThrowIfFailed(NativeMethods.QueueState(_runtime.RegionHandle, _index, out ulong count, out _), "Reading a queue");
            return (int)count;
        }
    }

    /// <summary>True once a process completed the queue: no more writes; readers drain what is left.</summary>
    public bool IsCompleted
    {
        get
        {
            if (_remote is not null)
            {
                return _remote.State().Completed;
            }

            NativeErrors.ThrowIfFailed(NativeMethods.QueueState(_runtime.RegionHandle, _index, out _, out uint completed), "Reading a queue");
            return completed != 0;
        }
    }

    /// <summary>Writes <paramref name="item"/> if there is room now.</summary>
    /// <returns>False if the queue is full.</returns>
    /// <exception cref="ChannelClosedException">The queue was completed.</exception>
    public bool TryWrite(T item) => TryWriteItem(item) ?? throw Closed();

    /// <summary>True if written, false if full, null if completed.</summary>
    private bool? TryWriteItem(T item)
    {
        using MessageBuffer buffer = MessageBuffer.Rent();
        MemoryPackSerializer.Serialize(buffer.Writer, item);
        return TryWriteBytes(buffer.Span);
    }

    /// <summary>True if written, false if full, null if completed.</summary>
    private unsafe bool? TryWriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (_remote is not null)
        {
            return RemoteTryWrite(bytes);
        }

        DwStatus status;
        fixed (byte* p = bytes)
        {
            status = NativeMethods.QueueTryWrite(_runtime.RegionHandle, _index, p, (uint)bytes.Length);
        }

        return status switch
        {
            DwStatus.Ok => true,
            DwStatus.Timeout => false,
            DwStatus.Closed => null,
            _ => throw NativeErrors.Create(status, $"Writing to the queue '{Name}'"),
        };
    }

    /// <summary>Writes <paramref name="item"/>, waiting for room while the queue is full.</summary>
    /// <exception cref="ChannelClosedException">The queue was completed (with the completion's error as its inner exception).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        MessageBuffer buffer = MessageBuffer.Rent();
        try
        {
            MemoryPackSerializer.Serialize(buffer.Writer, item);
            switch (TryWriteBytes(buffer.Span))
            {
                case true:
                    buffer.Dispose();
                    return ValueTask.CompletedTask;
                case null:
                    buffer.Dispose();
                    return ValueTask.FromException(Closed());
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        return WaitAndWriteAsync(buffer, cancellationToken);
    }

    private async ValueTask WaitAndWriteAsync(MessageBuffer buffer, CancellationToken cancellationToken)
    {
        if (_remote is not null)
        {
            await RemoteWaitAndWriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            // A reader usually makes room within microseconds: look again in a short spin
            // first, then wait for a reader to free a cell (it rings this process).
            bool? written = false;
            if (SpinUntil(() => (written = TryWriteBytes(buffer.Span)) != false))
            {
                if (written is null)
                {
                    throw Closed();
                }

                return;
            }

            while ((written = TryWriteBytes(buffer.Span)) == false)
            {
                await _runtime.Messaging.WaitAsync(_writable, cancellationToken).ConfigureAwait(false);
            }

            if (written is null)
            {
                throw Closed();
            }
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// Waits until there may be room to write. Another writer may take it first: follow with
    /// <see cref="TryWrite"/> in a loop.
    /// </summary>
    /// <returns>True when there may be room; false once the queue is completed.</returns>
    /// <exception cref="Exception">The error the queue was completed with, if any.</exception>
    public async ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        if (_remote is not null)
        {
            return await RemoteWaitToWriteAsync(cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (IsCompleted)
            {
                return CompletionError() is { } error ? throw error : false;
            }

            // A reader that is reading now frees a cell within microseconds: a short spin
            // saves the two thread wake-ups of the doorbell's path (as for readers).
            if (NativeMethods.QueueMayHaveRoom(_runtime.RegionHandle, _index) ||
                SpinUntil(() => NativeMethods.QueueMayHaveRoom(_runtime.RegionHandle, _index)))
            {
                return true;
            }

            await _runtime.Messaging.WaitAsync(_writable, cancellationToken).ConfigureAwait(false);
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
        if (_remote is not null)
        {
            return RemoteTryRead(out item);
        }

        if (!NativeMethods.QueueMayHaveMessage(_runtime.RegionHandle, _index))
        {
            return DwStatus.Timeout;  // empty: no lock, no GC transition
        }

        byte[]? buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                uint length;
                DwStatus status;
                fixed (byte* p = buffer)
                {
                    status = NativeMethods.QueueTryRead(_runtime.RegionHandle, _index, p, (uint)buffer.Length, out length);
                }

                if (status == DwStatus.BufferTooSmall)
                {
                    PooledBuffer.Grow(ref buffer, (int)length);
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
            PooledBuffer.Return(buffer);
        }
    }

    /// <summary>Takes the first message, waiting for one.</summary>
    /// <exception cref="ChannelClosedException">The queue was completed and is empty (with the completion's error as its inner exception).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryRead(out T? item))
            {
                return item;
            }

            await WaitToReadOrThrowClosedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until a message may be available; once the queue is completed and empty, throws
    /// <see cref="ChannelClosedException"/> (with the completion's error inside): the wait of
    /// <see cref="ReadAsync"/> and <see cref="TakeAsync"/>.
    /// </summary>
    private async ValueTask WaitToReadOrThrowClosedAsync(CancellationToken cancellationToken)
    {
        bool more;
        try
        {
            more = await WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && e == CompletionError())
        {
            throw Closed();
        }

        if (!more)
        {
            throw Closed();
        }
    }

    /// <summary>
    /// Waits until a message may be available. Another reader may take it first: follow with
    /// <see cref="TryRead"/> in a loop.
    /// </summary>
    /// <returns>True when a message is waiting; false once the queue is completed and empty.</returns>
    /// <exception cref="Exception">The error the queue was completed with, once it is empty.</exception>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (_remote is not null)
        {
            return await RemoteWaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            NativeErrors.ThrowIfFailed(NativeMethods.QueueState(_runtime.RegionHandle, _index, out ulong count, out uint completed), "Reading a queue");
            if (count > 0)
            {
                return true;
            }

            if (completed != 0)
            {
                return CompletionError() is { } error ? throw error : false;
            }

            // Not counted, yet perhaps there: a message committed by a writer that has not
            // moved the tail yet (or died before it could). TryRead does not need the tail.
            // Else a writer that is writing now delivers within microseconds: a short spin
            // saves the two thread wake-ups of the doorbell's path.
            if (NativeMethods.QueueMayHaveMessage(_runtime.RegionHandle, _index) ||
                SpinUntil(() => NativeMethods.QueueMayHaveMessage(_runtime.RegionHandle, _index)))
            {
                return true;
            }

            await _runtime.Messaging.WaitAsync(_readable, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Spins (bounded by <see cref="InboxPoller.CallerPollTicks"/>) until <paramref name="condition"/> holds.</summary>
    private static bool SpinUntil(Func<bool> condition)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + InboxPoller.CallerPollTicks;
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
    /// <exception cref="Exception">The error the queue was completed with, once it is empty.</exception>
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

    /// <summary>
    /// No more messages will be written, by any process: writers get
    /// <see cref="ChannelClosedException"/>, readers drain what is left. Completing a
    /// completed queue does nothing.
    /// </summary>
    public void Complete() => TryComplete(null);

    /// <summary>
    /// Completes the queue (see <see cref="Complete"/>), with <paramref name="error"/> for its
    /// readers: in this process they get the exception itself, in others a
    /// <see cref="RemoteException"/> with its type, message and stack trace.
    /// </summary>
    /// <returns>False if the queue was completed already (its first completion stays).</returns>
    private unsafe bool TryComplete(Exception? error)
    {
        byte[] bytes = error is null ? [] : CompletionErrors.Encode(error, _runtime.GlobalWorkerId);
        if (_remote is not null)
        {
            return RemoteComplete(error, bytes);
        }

        // Known here before the queue reads as completed: a reader of this process must get
        // this exception object, not one decoded from the region meanwhile.
        bool remembered = error is not null && _queues.Errors.TryRemember(_index, error);
        DwStatus status;
        uint first;
        fixed (byte* p = bytes)
        {
            status = NativeMethods.QueueComplete(_runtime.RegionHandle, _index, p, (uint)bytes.Length, out first);
        }

        if (remembered && (status != DwStatus.Ok || first == 0))
        {
            _queues.Errors.Forget(_index, error!);  // not this completion's error after all
        }

        NativeErrors.ThrowIfFailed(status, $"Completing the queue '{Name}'");
        return first != 0;
    }

    /// <summary>The error the queue was completed with, or null.</summary>
    private Exception? CompletionError() => _remote is not null ? RemoteCompletionError() : _queues.Errors.Find(_index);

    private ChannelClosedException Closed() =>
        CompletionError() is { } error ? new ChannelClosedException(error) : new ChannelClosedException($"The queue '{Name}' was completed.");

    /// <summary>Completes once the queue is completed and every message read: faulted with the completion's error, if any.</summary>
    private Task Completion
    {
        get
        {
            if (Volatile.Read(ref _completion) is { } completion)
            {
                return completion;
            }

            lock (_readable)
            {
                return _completion ??= _remote is not null ? RemoteWaitUntilDrainedAsync() : WaitUntilDrainedAsync();
            }
        }
    }

    private async Task WaitUntilDrainedAsync()
    {
        var drained = new QueueDrained(_runtime, _index);
        while (!drained.IsReady())
        {
            await _runtime.Messaging.WaitAsync(drained, CancellationToken.None).ConfigureAwait(false);
        }

        if (CompletionError() is { } error)
        {
            throw error;
        }
    }
}
