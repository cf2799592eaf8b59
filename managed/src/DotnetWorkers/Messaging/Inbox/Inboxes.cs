using System.Buffers;
using System.Text;
using DotnetWorkers.Messaging.Waiting;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// Every process's inbox: one shared queue per process id (<c>dw.inbox/ID</c>) that carries
/// the messages of every <see cref="MessageKind"/> to it. Writers are any process; the only
/// reader is the owner's <see cref="InboxDrain"/>.
/// </summary>
internal sealed class Inboxes
{
    /// <summary>Messages an inbox holds before senders wait.</summary>
    internal const uint Capacity = 1024;

    /// <summary>Inline bytes per message (cells of 256 bytes); bigger messages spill to the heap.</summary>
    internal const uint SlotSize = 240;

    private readonly ClusterRuntime _runtime;
    private readonly DoorbellWaiters _waiters;
    private readonly uint[] _indexPlusOne = new uint[RegionLayout.ProcessCapacity];

    internal Inboxes(ClusterRuntime runtime, DoorbellWaiters waiters)
    {
        _runtime = runtime;
        _waiters = waiters;
    }

    /// <summary>The queue index of process <paramref name="id"/>'s inbox, created on first use.</summary>
    internal unsafe uint IndexOf(int id)
    {
        uint known = Volatile.Read(ref _indexPlusOne[id]);
        if (known != 0)
        {
            return known - 1;
        }

        Span<byte> name = stackalloc byte[32];
        int length = NameOf(id, name);
        fixed (byte* p = name)
        {
            NativeErrors.ThrowIfFailed(
                NativeMethods.QueueOpen(_runtime.RegionHandle, p, (uint)length, Capacity, SlotSize, 0, out uint index, out _),
                $"Opening the inbox of process {id}");
            Volatile.Write(ref _indexPlusOne[id], index + 1);
            return index;
        }
    }

    /// <summary>
    /// Messages waiting in process <paramref name="id"/>'s inbox; 0 if it has none yet. Looks
    /// the inbox up without creating it: reading the table must not cost every process an inbox.
    /// </summary>
    internal long Depth(int id)
    {
        uint known = Volatile.Read(ref _indexPlusOne[id]);
        if (known == 0)
        {
            if (!TryFind(_runtime.RegionHandle, id, out uint index))
            {
                return 0;
            }

            Volatile.Write(ref _indexPlusOne[id], known = index + 1);
        }

        return StateOf(_runtime.RegionHandle, id, known - 1);
    }

    /// <summary>As <see cref="Depth"/>, through any region handle (the CLI's read-only one), remembering nothing.</summary>
    internal static long DepthOf(nint region, int id) => TryFind(region, id, out uint index) ? StateOf(region, id, index) : 0;

    /// <summary>The inbox's queue name, "dw.inbox/ID" (docs/protocol.md section 15), into <paramref name="name"/>; its length.</summary>
    private static int NameOf(int id, Span<byte> name) => Encoding.ASCII.GetBytes($"dw.inbox/{id}", name);

    private static unsafe bool TryFind(nint region, int id, out uint index)
    {
        Span<byte> name = stackalloc byte[32];
        int length = NameOf(id, name);
        fixed (byte* p = name)
        {
            DwStatus found = NativeMethods.QueueFind(region, p, (uint)length, out index);
            if (found == DwStatus.NotFound)
            {
                return false;
            }

            NativeErrors.ThrowIfFailed(found, $"Looking up the inbox of process {id}");
            return true;
        }
    }

    private static long StateOf(nint region, int id, uint index)
    {
        NativeErrors.ThrowIfFailed(NativeMethods.QueueState(region, index, out ulong count, out _), $"Reading the inbox of process {id}");
        return (long)count;
    }

    /// <summary>Writes a message if there is room now; false if the inbox is full.</summary>
    internal unsafe bool TrySend(int target, ReadOnlySpan<byte> message)
    {
        fixed (byte* p = message)
        {
            DwStatus status = NativeMethods.QueueTryWrite(_runtime.RegionHandle, IndexOf(target), p, (uint)message.Length);
            if (status == DwStatus.Ok)
            {
                return true;
            }

            if (status == DwStatus.Timeout)
            {
                return false;
            }

            throw NativeErrors.Create(status, $"Sending to process {target}");
        }
    }

    /// <summary>
    /// Writes a message now if there is room, else once there is while the target lives (a
    /// dead target's message is dropped), without waiting: for messages that are sent and
    /// forgotten (an answer). A message that must wait is copied.
    /// </summary>
    internal void SendWhenRoom(int target, ReadOnlySpan<byte> message)
    {
        if (!TrySend(target, message))
        {
            var copy = MessageBuffer.Rent();
            copy.Writer.Write(message);
            _ = SendLaterAsync(target, copy);
        }
    }

    /// <summary>
    /// Writes <paramref name="count"/> packed records (a little-endian u32 length, then an
    /// inline-sized message) in order under one lock of the inbox, as far as it has room: how many.
    /// </summary>
    internal unsafe int TrySendRecords(int target, ReadOnlySpan<byte> records, int count)
    {
        fixed (byte* p = records)
        {
            DwStatus status = NativeMethods.QueueTryWriteMany(_runtime.RegionHandle, IndexOf(target), p, (uint)records.Length, (uint)count, out uint written);
            if (status != DwStatus.Ok && status != DwStatus.Timeout)
            {
                throw NativeErrors.Create(status, $"Sending to process {target}");
            }

            return (int)written;
        }
    }

    private async Task SendLaterAsync(int target, MessageBuffer message)
    {
        try
        {
            await SendAsync(target, 0, message.Memory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RemoteProcessDiedException)
        {
        }
        finally
        {
            message.Dispose();
        }
    }

    /// <summary>
    /// Writes a message, waiting for room while the target lives (a full inbox is
    /// backpressure). Throws <see cref="RemoteProcessDiedException"/> if the target is not
    /// running, <see cref="OperationCanceledException"/> on cancellation. The sender's own
    /// drain is started (every sender is a messaging feature that started it): it wakes the wait.
    /// </summary>
    internal async ValueTask SendAsync(int target, uint targetPid, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        InboxRoom? room = null;
        while (!TrySend(target, message.Span))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_runtime.IsAlive(target, targetPid))
            {
                throw new RemoteProcessDiedException(target, "the message could not be delivered");
            }

            // The target's drain rings this process when it frees a cell (or the target dies).
            room ??= new InboxRoom(_runtime, IndexOf(target), target, targetPid);
            await _waiters.WaitAsync(room, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Frames a message in a pooled buffer: the header, then what <paramref name="writePayload"/> writes.</summary>
    internal static MessageBuffer Frame<TState>(in MessageHeader header, TState state, Action<IBufferWriter<byte>, TState> writePayload)
    {
        var buffer = MessageBuffer.Rent();
        buffer.Writer.GetSpan(MessageHeader.Size);
        buffer.Writer.Advance(MessageHeader.Size);
        writePayload(buffer.Writer, state);
        buffer.SetHeader(header);
        return buffer;
    }
}
