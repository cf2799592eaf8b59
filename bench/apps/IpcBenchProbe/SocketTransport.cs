using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipes;
using System.Net.Sockets;
using MemoryPack;
using StreamJsonRpc;

/// <summary>
/// The careful user's RPC over a Unix domain socket: frames of [length][call id][MemoryPack
/// payload], one connection, many calls in flight matched by id.
/// </summary>
internal sealed class SocketClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<long>> _pending = new();
    private readonly Task _reader;
    private long _nextId;

    private SocketClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = Task.Run(ReadLoop);
    }

    internal static async Task<SocketClient> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new SocketClient(socket);
    }

    internal async Task<long> EchoAsync(long value)
    {
        long id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        byte[] frame = Frames.Build(id, value);
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(frame);
        }
        finally
        {
            _writeLock.Release();
        }

        return await completion.Task;
    }

    private async Task ReadLoop()
    {
        var buffered = new BufferedStream(_stream, 64 * 1024);
        var header = new byte[12];
        var payload = new byte[1024];
        try
        {
            while (true)
            {
                await buffered.ReadExactlyAsync(header);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                long id = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(4));
                await buffered.ReadExactlyAsync(payload.AsMemory(0, length));
                long value = MemoryPackSerializer.Deserialize<long>(payload.AsSpan(0, length));
                if (_pending.TryRemove(id, out TaskCompletionSource<long>? completion))
                {
                    completion.TrySetResult(value);
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
        _socket.Shutdown(SocketShutdown.Both);
        await _stream.DisposeAsync();
        await _reader;
    }
}

internal static class Frames
{
    internal static byte[] Build(long id, long value)
    {
        byte[] payload = MemoryPackSerializer.Serialize(value);
        var frame = new byte[12 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(4), id);
        payload.CopyTo(frame.AsSpan(12));
        return frame;
    }
}

/// <summary>The worker's socket and pipe servers.</summary>
internal static class Servers
{
    internal static void Start(string echoPath, string streamPath, string pipeName)
    {
        Listen(echoPath, ServeEcho);
        Listen(streamPath, ServeStream);

        _ = Task.Run(async () =>
        {
            while (true)
            {
                var pipe = new NamedPipeServerStream(pipeName, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances,
                    PipeTransmissionMode.Byte, PipeOptions.Asynchronous);
                await pipe.WaitForConnectionAsync();
                JsonRpc.Attach(pipe, new JsonEcho());
            }
        });
    }

    /// <summary>Listens on a Unix socket at <paramref name="path"/>; each connection is served on the thread pool.</summary>
    internal static void Listen(string path, Func<Socket, Task> serve)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket connection = await listener.AcceptAsync();
                _ = Task.Run(() => serve(connection));
            }
        });
    }

    /// <summary>Answers each request frame with the same value, in order.</summary>
    private static async Task ServeEcho(Socket connection)
    {
        await using var network = new NetworkStream(connection, ownsSocket: true);
        var buffered = new BufferedStream(network, 64 * 1024);
        var header = new byte[12];
        var payload = new byte[1024];
        try
        {
            while (true)
            {
                await buffered.ReadExactlyAsync(header);
                int length = BinaryPrimitives.ReadInt32LittleEndian(header);
                long id = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(4));
                await buffered.ReadExactlyAsync(payload.AsMemory(0, length));
                long value = MemoryPackSerializer.Deserialize<long>(payload.AsSpan(0, length));
                await network.WriteAsync(Frames.Build(id, value));
            }
        }
        catch (EndOfStreamException)
        {
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Reads (size, count), then writes `count` length-prefixed MemoryPack frames of `size` bytes.</summary>
    private static async Task ServeStream(Socket connection)
    {
        await using var network = new NetworkStream(connection, ownsSocket: true);
        var request = new byte[8];
        await network.ReadExactlyAsync(request);
        int size = BitConverter.ToInt32(request, 0), count = BitConverter.ToInt32(request, 4);
        byte[] message = new byte[size];
        await using var buffered = new BufferedStream(network, 64 * 1024);
        var header = new byte[4];
        for (int i = 0; i < count; i++)
        {
            byte[] payload = MemoryPackSerializer.Serialize(message);
            BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
            await buffered.WriteAsync(header);
            await buffered.WriteAsync(payload);
        }

        await buffered.FlushAsync();
    }
}
