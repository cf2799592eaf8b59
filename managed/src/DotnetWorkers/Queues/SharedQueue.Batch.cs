using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Native;
using MemoryPack;

namespace DotnetWorkers.Queues;

public sealed partial class SharedQueue<T>
{
    /// <summary>
    /// Bytes of records one batch write gathers at most: big messages batch less (the copy
    /// dominates, and the per-thread buffer stays small enough to keep).
    /// </summary>
    private const int BatchBytes = 32 * 1024;

    /// <summary>
    /// Writes as many of <paramref name="items"/> as there is room for now, in order, under
    /// as few locks of the queue as it can (up to <see cref="MaxBatch"/> messages each).
    /// </summary>
    /// <returns>How many were written (0 if the queue is full): write the rest later.</returns>
    /// <exception cref="ChannelClosedException">The queue was completed before any was written.</exception>
    public unsafe int TryWriteMany(ReadOnlySpan<T> items)
    {
        if (_remote is not null)
        {
            return RemoteTryWriteMany(items);
        }

        int written = 0;
        using MessageBuffer buffer = MessageBuffer.Rent();
        while (written < items.Length)
        {
            // Records of a u32 length and the bytes, as long as they go inline.
            buffer.Writer.ResetWrittenCount();
            int batch = 0;
            while (batch < MaxBatch && written + batch < items.Length && buffer.Writer.WrittenCount < BatchBytes)
            {
                buffer.Writer.GetSpan(sizeof(uint));
                buffer.Writer.Advance(sizeof(uint));  // the length, filled in once the bytes are written
                int before = buffer.Writer.WrittenCount;
                MemoryPackSerializer.Serialize(buffer.Writer, items[written + batch]);
                int size = buffer.Writer.WrittenCount - before;
                ref byte at = ref MemoryMarshal.GetReference(buffer.Writer.WrittenSpan[(before - sizeof(uint))..]);
                BinaryPrimitives.WriteUInt32LittleEndian(MemoryMarshal.CreateSpan(ref at, sizeof(uint)), (uint)size);
                batch++;
                if (size > _slotSize)
                {
                    break;  // it spills: the batch stops before it, and it goes alone below
                }
            }

            uint count;
            DwStatus status;
            fixed (byte* p = buffer.Span)
            {
                status = NativeMethods.QueueTryWriteMany(_runtime.RegionHandle, _index, p, (uint)buffer.Span.Length, (uint)batch, out count);
            }

            if (status == DwStatus.Closed)
            {
                return written > 0 ? written : throw Closed();
            }

            if (status != DwStatus.Ok && status != DwStatus.Timeout)
            {
                throw NativeErrors.Create(status, $"Writing to the queue '{Name}'");
            }

            written += (int)count;
            if (count < batch)
            {
                // Full, or stopped before a message too big to go inline: that one alone.
                if (status == DwStatus.Timeout || !TryWriteOneSpilled(buffer, (int)count))
                {
                    return written;
                }

                written++;
            }
        }

        return written;
    }

    /// <summary>Writes record <paramref name="record"/> of the batch in <paramref name="buffer"/> by itself (a message that spills).</summary>
    private bool TryWriteOneSpilled(MessageBuffer buffer, int record)
    {
        ReadOnlySpan<byte> records = buffer.Span;
        for (int i = 0; i < record; i++)
        {
            records = records[(sizeof(uint) + (int)BinaryPrimitives.ReadUInt32LittleEndian(records))..];
        }

        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(records);
        if (length <= _slotSize)
        {
            return false;  // it fit: the queue was full
        }

        return TryWriteBytes(records.Slice(sizeof(uint), length)) == true;
    }

    /// <summary>
    /// Takes up to <paramref name="destination"/>'s length of messages that are waiting now,
    /// under as few locks of the queue as it can (up to <see cref="MaxBatch"/> messages each).
    /// </summary>
    /// <returns>How many were taken into the start of <paramref name="destination"/> (0 if the queue is empty).</returns>
    public unsafe int TryReadMany(Span<T> destination)
    {
        if (_remote is not null)
        {
            return RemoteTryReadMany(destination);
        }

        int taken = 0;
        byte[]? buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (taken < destination.Length && NativeMethods.QueueMayHaveMessage(_runtime.RegionHandle, _index))
            {
                uint count, used;
                DwStatus status;
                fixed (byte* p = buffer)
                {
                    status = NativeMethods.QueueTryReadMany(_runtime.RegionHandle, _index, p, (uint)buffer.Length,
                        (uint)Math.Min(destination.Length - taken, MaxBatch), out count, out used);
                }

                if (status == DwStatus.BufferTooSmall)
                {
                    PooledBuffer.Grow(ref buffer, (int)used);
                    continue;
                }

                if (status is DwStatus.Timeout or DwStatus.Closed)
                {
                    break;
                }

                NativeErrors.ThrowIfFailed(status, $"Reading the queue '{Name}'");
                ReadOnlySpan<byte> records = buffer.AsSpan(0, (int)used);
                for (uint i = 0; i < count; i++)
                {
                    int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(records);
                    destination[taken++] = MemoryPackSerializer.Deserialize<T>(records.Slice(sizeof(uint), length))!;
                    records = records[(sizeof(uint) + length)..];
                }
            }
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }

        return taken;
    }
}
