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
    CoalescingServer.Start(path + ".coalescing");
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

await using (var coalescing = await CoalescingSocketClient.ConnectAsync(socketPath + ".coalescing"))
{
    await Measure.RoundTrips("rpc.unix-socket-coalescing", () => coalescing.EchoAsync(42), milliseconds);
}

await using (var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous))
{
    await pipe.ConnectAsync(10_000);
    using var jsonRpc = JsonRpc.Attach(pipe);
    await Measure.RoundTrips("rpc.streamjsonrpc", () => jsonRpc.InvokeAsync<long>("Echo", 42L), milliseconds);
}

// Each one-way figure runs once untimed first (half the count): the first messages run the
// library's code at tier 0 while the socket's framework code is precompiled, so a cold
// measurement would compare JIT warm-up, not transports.
foreach (int size in new[] { 16, 4096 })
{
    int count = size == 16 ? 2_000_000 : 200_000;
    SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>($"bench-{size}", capacity: 1024, inlineBytes: size + 16);
    await ReadQueue(queue, echo.WriteQueueAsync(size, count / 2), count / 2);
    Measure.Say($"queue.{size}b.dotnet-workers", await ReadQueue(queue, echo.WriteQueueAsync(size, count), count));

    // The same, in batches: TryWriteMany and TryReadMany move up to 64 messages per lock.
    int batchedCount = size == 16 ? 10_000_000 : 200_000;
    SharedQueue<byte[]> batched = Cluster.Queues.Open<byte[]>($"bench-batched-{size}", capacity: 1024, inlineBytes: size + 16);
    await ReadQueueBatched(batched, echo.WriteQueueBatchedAsync(size, batchedCount / 2), batchedCount / 2);
    Measure.Say($"queue.{size}b-batched.dotnet-workers", await ReadQueueBatched(batched, echo.WriteQueueBatchedAsync(size, batchedCount), batchedCount));

    await ReadStream(size, count / 2);
    Measure.Say($"queue.{size}b.unix-socket", await ReadStream(size, count));
}

File.Delete(echoSocket);
File.Delete(socketPath + ".coalescing");
File.Delete(streamSocket);

/// <summary>Reads `count` messages one at a time while `writing` writes them; messages per second.</summary>
async Task<double> ReadQueue(SharedQueue<byte[]> queue, Task writing, int count)
{
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

    double rate = count / clock.Elapsed.TotalSeconds;
    await writing;
    return rate;
}

/// <summary>As <see cref="ReadQueue"/>, up to 64 messages per read.</summary>
async Task<double> ReadQueueBatched(SharedQueue<byte[]> queue, Task writing, int count)
{
    var batch = new byte[SharedQueue<byte[]>.MaxBatch][];
    var clock = Stopwatch.StartNew();
    for (int received = 0; received < count;)
    {
        int taken = queue.TryReadMany(batch);
        received += taken;
        if (taken == 0 && received < count && !await queue.WaitToReadAsync(startup.Token))
        {
            break;
        }
    }

    double rate = count / clock.Elapsed.TotalSeconds;
    await writing;
    return rate;
}

/// <summary>Asks the stream server for `count` frames of `size` bytes and reads them through a BufferedStream; frames per second.</summary>
async Task<double> ReadStream(int size, int count)
{
    using Socket stream = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    await stream.ConnectAsync(new UnixDomainSocketEndPoint(streamSocket));
    await using var network = new NetworkStream(stream, ownsSocket: false);
    await using var buffered = new BufferedStream(network, 64 * 1024);
    var header = new byte[4];
    var frame = new byte[64 * 1024];
    await network.WriteAsync(BitConverter.GetBytes(size).Concat(BitConverter.GetBytes(count)).ToArray());
    var clock = Stopwatch.StartNew();
    for (int received = 0; received < count; received++)
    {
        await buffered.ReadExactlyAsync(header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        await buffered.ReadExactlyAsync(frame.AsMemory(0, length));
        MemoryPackSerializer.Deserialize<byte[]>(frame.AsSpan(0, length));
    }

    return count / clock.Elapsed.TotalSeconds;
}

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
