using System.Buffers;

namespace DotnetWorkers.Messaging.Inbox;

/// <summary>A reusable growable buffer for framing one message.</summary>
internal sealed class MessageBuffer : IDisposable
{
    [ThreadStatic]
    private static MessageBuffer? t_cached;

    internal ArrayBufferWriter<byte> Writer { get; } = new(256);

    internal static MessageBuffer Rent()
    {
        MessageBuffer? buffer = t_cached;
        if (buffer is not null)
        {
            t_cached = null;
            return buffer;
        }

        return new MessageBuffer();
    }

    internal ReadOnlySpan<byte> Span => Writer.WrittenSpan;

    internal ReadOnlyMemory<byte> Memory => Writer.WrittenMemory;

    internal unsafe void SetHeader(in MessageHeader header)
    {
        fixed (byte* p = Writer.WrittenSpan)
        {
            *(MessageHeader*)p = header;
        }
    }

    public void Dispose()
    {
        if (Writer.Capacity > 64 * 1024)
        {
            return;  // let a big one go rather than keep it per thread
        }

        Writer.ResetWrittenCount();
        t_cached = this;
    }
}
