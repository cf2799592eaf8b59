using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using MemoryPack;

/// <summary>
/// The strongest socket RPC a careful user writes: the same frames as <see cref="SocketClient"/>,
/// but coalesced both ways. Callers queue their requests and one writer sends everything
/// queued in one write; the server (System.IO.Pipelines) parses every complete request a
/// read brought and flushes all their answers at once.
/// </summary>
internal sealed class CoalescingSocketClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Channel<(long Id, long Value)> _outgoing = Channel.CreateUnbounded<(long, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<long>> _pending = new();
    private readonly Task _writer;
    private readonly Task _reader;
    private long _nextId;

    private CoalescingSocketClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _writer = Task.Run(WriteLoop);
        _reader = Task.Run(ReadLoop);
    }

    internal static async Task<CoalescingSocketClient> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new CoalescingSocketClient(socket);
    }

    internal Task<long> EchoAsync(long value)
    {
        long id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        _outgoing.Writer.TryWrite((id, value));
        return completion.Task;
    }

    /// <summary>Sends every request queued since the last write in one write.</summary>
    private async Task WriteLoop()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync())
            {
                buffer.ResetWrittenCount();
                while (buffer.WrittenCount < 60 * 1024 && _outgoing.Reader.TryRead(out (long Id, long Value) request))
                {
                    CoalescingFrames.Write(buffer, request.Id, request.Value);
                }

                await _stream.WriteAsync(buffer.WrittenMemory);
            }
        }
        catch (Exception)
        {
            // the connection closed: the benchmark is over
        }
    }

    private async Task ReadLoop()
    {
        PipeReader reader = PipeReader.Create(_stream);
        try
        {
            while (true)
            {
                ReadResult read = await reader.ReadAsync();
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (CoalescingFrames.TryRead(ref buffer, out long id, out long value))
                {
                    if (_pending.TryRemove(id, out TaskCompletionSource<long>? completion))
                    {
                        completion.TrySetResult(value);
                    }
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // the connection closed: the benchmark is over
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        await _writer;
        _socket.Shutdown(SocketShutdown.Both);
        await _stream.DisposeAsync();
        await _reader;
    }
}

/// <summary>The coalescing server: every request a read brought is answered, and the answers flushed together.</summary>
internal static class CoalescingServer
{
    internal static void Start(string path) => Servers.Listen(path, Serve);

    private static async Task Serve(Socket connection)
    {
        await using var stream = new NetworkStream(connection, ownsSocket: true);
        PipeReader reader = PipeReader.Create(stream);
        PipeWriter writer = PipeWriter.Create(stream);
        try
        {
            while (true)
            {
                ReadResult read = await reader.ReadAsync();
                ReadOnlySequence<byte> buffer = read.Buffer;
                bool answered = false;
                while (CoalescingFrames.TryRead(ref buffer, out long id, out long value))
                {
                    CoalescingFrames.Write(writer, id, value);
                    answered = true;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (answered)
                {
                    await writer.FlushAsync();
                }

                if (read.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// [length][call id][MemoryPack long], the bytes <see cref="Frames"/> builds (MemoryPack
/// writes an unmanaged value as its own little-endian bytes), written into and parsed from
/// buffers without allocating.
/// </summary>
internal static class CoalescingFrames
{
    internal static void Write(IBufferWriter<byte> writer, long id, long value)
    {
        Span<byte> frame = writer.GetSpan(12 + sizeof(long));
        BinaryPrimitives.WriteInt32LittleEndian(frame, sizeof(long));
        BinaryPrimitives.WriteInt64LittleEndian(frame[4..], id);
        BinaryPrimitives.WriteInt64LittleEndian(frame[12..], value);
        writer.Advance(12 + sizeof(long));
    }

    internal static bool TryRead(ref ReadOnlySequence<byte> buffer, out long id, out long value)
    {
        id = value = 0;
        if (buffer.Length < 12)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[12];
        buffer.Slice(0, 12).CopyTo(header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (buffer.Length < 12 + length)
        {
            return false;
        }

        id = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        Span<byte> payload = stackalloc byte[sizeof(long)];
        buffer.Slice(12, sizeof(long)).CopyTo(payload);
        value = MemoryPackSerializer.Deserialize<long>(payload);
        buffer = buffer.Slice(12 + length);
        return true;
    }
}
