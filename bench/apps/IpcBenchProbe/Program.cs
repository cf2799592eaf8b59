// The two processes of the ipc benchmark, started by the runner as
//   dotnet-workers --workers=1 IpcBenchProbe.dll <milliseconds>
// Worker 1 is the server of every transport: it serves IEcho over the cluster's RPC, runs
// an echo server on a Unix domain socket (length-prefixed MemoryPack frames, what a careful
// user would write), a StreamJsonRpc server on a named pipe (what a typical user would
// pick), and writes one-way streams on request. The primary is the client: it measures
// each transport in turn and prints "figure <name> <value>" lines for the runner.
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipes;
using System.Net.Sockets;
using DotnetWorkers;
using DotnetWorkers.Queues;
using MemoryPack;
using StreamJsonRpc;

int milliseconds = int.Parse(args[0]);
if (!Cluster.IsPrimary)
{
    // Named after the worker's pid; the primary finds the name in the store.
    string path = Path.Combine(Path.GetTempPath(), $"dw-bench-{Environment.ProcessId}");
    Servers.Start(path + ".echo", path + ".stream", Path.GetFileName(path) + ".jsonrpc");
    Cluster.Store.Set("socket-path", path);
    Cluster.Serve<IEcho>(new Echo());
    return;
}

using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
await Cluster.WaitForServersAsync<IEcho>(1, startup.Token);
string socketPath = Cluster.Store.Get<string>("socket-path");
string echoSocket = socketPath + ".echo";
string streamSocket = socketPath + ".stream";
string pipeName = Path.GetFileName(socketPath) + ".jsonrpc";
IEcho echo = Cluster.Proxy<IEcho>();
await Measure.RoundTrips("rpc.dotnet-workers", () => echo.EchoAsync(42), milliseconds);

await using (var socket = await SocketClient.ConnectAsync(echoSocket))
{
    await Measure.RoundTrips("rpc.unix-socket", () => socket.EchoAsync(42), milliseconds);
}

await using (var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous))
{
    await pipe.ConnectAsync(10_000);
    using var jsonRpc = JsonRpc.Attach(pipe);
    await Measure.RoundTrips("rpc.streamjsonrpc", () => jsonRpc.InvokeAsync<long>("Echo", 42L), milliseconds);
}

foreach (int size in new[] { 16, 4096 })
{
    int count = size == 16 ? 2_000_000 : 200_000;
    SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>($"bench-{size}", capacity: 1024, inlineBytes: size + 16);
    Task writing = echo.WriteQueueAsync(size, count);
    var clock = Stopwatch.StartNew();
    for (int received = 0; received < count;)
    {
        while (queue.TryRead(out byte[]? _))
        {
            received++;
        }

        if (received < count && !await queue.WaitToReadAsync(startup.Token))
        {
            break;
        }
    }

    Measure.Say($"queue.{size}b.dotnet-workers", count / clock.Elapsed.TotalSeconds);
    await writing;

    // The same, in batches: TryWriteMany and TryReadMany move up to 64 messages per lock.
    int batchedCount = size == 16 ? 10_000_000 : 200_000;
    SharedQueue<byte[]> batched = Cluster.Queues.Open<byte[]>($"bench-batched-{size}", capacity: 1024, inlineBytes: size + 16);
    writing = echo.WriteQueueBatchedAsync(size, batchedCount);
    var batch = new byte[SharedQueue<byte[]>.MaxBatch][];
    clock.Restart();
    for (int received = 0; received < batchedCount;)
    {
        int taken = batched.TryReadMany(batch);
        received += taken;
        if (taken == 0 && received < batchedCount && !await batched.WaitToReadAsync(startup.Token))
        {
            break;
        }
    }

    Measure.Say($"queue.{size}b-batched.dotnet-workers", batchedCount / clock.Elapsed.TotalSeconds);
    await writing;

    using Socket stream = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    await stream.ConnectAsync(new UnixDomainSocketEndPoint(streamSocket));
    await using var network = new NetworkStream(stream, ownsSocket: false);
    await using var buffered = new BufferedStream(network, 64 * 1024);
    var header = new byte[4];
    var frame = new byte[64 * 1024];
    await network.WriteAsync(BitConverter.GetBytes(size).Concat(BitConverter.GetBytes(count)).ToArray());
    clock.Restart();
    for (int received = 0; received < count; received++)
    {
        await buffered.ReadExactlyAsync(header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        await buffered.ReadExactlyAsync(frame.AsMemory(0, length));
        MemoryPackSerializer.Deserialize<byte[]>(frame.AsSpan(0, length));
    }

    Measure.Say($"queue.{size}b.unix-socket", count / clock.Elapsed.TotalSeconds);
}

File.Delete(echoSocket);
File.Delete(streamSocket);

/// <summary>What the worker serves over the cluster's RPC.</summary>
public interface IEcho
{
    Task<long> EchoAsync(long value);

    /// <summary>Writes `count` messages of `size` bytes into the queue "bench-SIZE", then returns.</summary>
    Task WriteQueueAsync(int size, int count);

    /// <summary>As <see cref="WriteQueueAsync"/>, into "bench-batched-SIZE", 64 messages per call.</summary>
    Task WriteQueueBatchedAsync(int size, int count);
}

public sealed class Echo : IEcho
{
    public async Task WriteQueueBatchedAsync(int size, int count)
    {
        SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>($"bench-batched-{size}", capacity: 1024, inlineBytes: size + 16);
        byte[][] batch = [.. Enumerable.Range(0, SharedQueue<byte[]>.MaxBatch).Select(_ => new byte[size])];
        for (int sent = 0; sent < count;)
        {
            int written = queue.TryWriteMany(batch.AsSpan(0, Math.Min(batch.Length, count - sent)));
            sent += written;
            if (written == 0 && !await queue.WaitToWriteAsync())
            {
                return;
            }
        }
    }

    public Task<long> EchoAsync(long value) => Task.FromResult(value);

    public async Task WriteQueueAsync(int size, int count)
    {
        SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>($"bench-{size}", capacity: 1024, inlineBytes: size + 16);
        byte[] message = new byte[size];
        for (int i = 0; i < count; i++)
        {
            if (!queue.TryWrite(message))
            {
                await queue.WriteAsync(message);
            }
        }
    }
}

/// <summary>The StreamJsonRpc server's target.</summary>
public sealed class JsonEcho
{
    public long Echo(long value) => value;
}
