using System.Threading.Channels;
using DotnetWorkers.Queues;

namespace DotnetWorkers.Tests;

/// <summary>Shared queues inside one process; many processes are covered by the launcher tests.</summary>
public class SharedQueueTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void Messages_ComeOutInOrder()
    {
        SharedQueue<string> queue = Cluster.Queues.Open<string>("q", capacity: 16);
        for (int i = 0; i < 10; i++)
        {
            Assert.That(queue.TryWrite($"m{i}"), Is.True);
        }

        Assert.That(queue.Count, Is.EqualTo(10));
        for (int i = 0; i < 10; i++)
        {
            Assert.That(queue.TryRead(out string? m), Is.True);
            Assert.That(m, Is.EqualTo($"m{i}"));
        }

        Assert.That(queue.TryRead(out _), Is.False);
    }

    [Test]
    public async Task AFullQueue_RefusesTryWrite_AndWriteAsyncWaitsForAReader()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("small", capacity: 2);
        Assert.That(queue.TryWrite(1) && queue.TryWrite(2), Is.True);
        Assert.That(queue.TryWrite(3), Is.False);
        ValueTask write = queue.WriteAsync(3);
        Assert.That(write.IsCompleted, Is.False, "backpressure: the writer waits");
        Assert.That(await queue.ReadAsync().AsTask().WaitAsync(Bound), Is.EqualTo(1));
        await write.AsTask().WaitAsync(Bound);
        Assert.That(queue.Count, Is.EqualTo(2));
    }

    [Test]
    public void WriteAsync_OnAFullQueue_CanBeCancelled()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("small", capacity: 1);  // rounded up to 2
        Assert.That(queue.TryWrite(1) && queue.TryWrite(2), Is.True);
        Assert.That(queue.TryWrite(3), Is.False);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.That(async () => await queue.WriteAsync(2, cancellation.Token).AsTask().WaitAsync(Bound),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task ReadAsync_WaitsForAWriter()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("q");
        Task<int> read = queue.ReadAsync().AsTask();
        await Task.Delay(30);
        Assert.That(read.IsCompleted, Is.False);
        await queue.WriteAsync(42);
        Assert.That(await read.WaitAsync(Bound), Is.EqualTo(42));
    }

    [Test]
    public void ReadAsync_CanBeCancelled()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("q");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.That(async () => await queue.ReadAsync(cancellation.Token).AsTask().WaitAsync(Bound),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Completing_EndsReadAllAsync_AfterTheRest_AndClosesWriters()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("q");
        var read = new List<int>();
        Task reader = Task.Run(async () =>
        {
            await foreach (int item in queue.ReadAllAsync())
            {
                read.Add(item);
            }
        });
        for (int i = 0; i < 100; i++)
        {
            await queue.WriteAsync(i);
        }

        queue.Complete();
        await reader.WaitAsync(Bound);
        Assert.That(read, Is.EqualTo(Enumerable.Range(0, 100).ToList()));
        Assert.That(queue.IsCompleted, Is.True);
        Assert.Throws<ChannelClosedException>(() => queue.TryWrite(1));
        Assert.ThrowsAsync<ChannelClosedException>(async () => await queue.ReadAsync());
        Assert.That(await queue.WaitToReadAsync(), Is.False);
    }

    [Test]
    public async Task LargeMessages_Spill_AndArriveWhole()
    {
        SharedQueue<byte[]> queue = Cluster.Queues.Open<byte[]>("big", capacity: 4, inlineBytes: 64);
        byte[] big = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        await queue.WriteAsync(big);
        Assert.That(await queue.ReadAsync().AsTask().WaitAsync(Bound), Is.EqualTo(big));
    }

    [Test]
    public void Open_ValidatesItsArguments_AndTheShapeMustMatch()
    {
        Cluster.Queues.Open<int>("shape", capacity: 8, inlineBytes: 16);
        Assert.Throws<InvalidOperationException>(() => Cluster.Queues.Open<int>("shape", capacity: 16, inlineBytes: 16));
        Assert.Throws<ArgumentException>(() => Cluster.Queues.Open<int>(""));
        Assert.Throws<ArgumentException>(() => Cluster.Queues.Open<int>(new string('x', 200)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cluster.Queues.Open<int>("q", capacity: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cluster.Queues.Open<int>("q", inlineBytes: 1 << 20));
    }

    [Test]
    public void TryWriteMany_WritesWhatFits_InOrder_AndTryReadMany_TakesThemBack()
    {
        SharedQueue<long> queue = Cluster.Queues.Open<long>("batch", capacity: 128);
        long[] items = [.. Enumerable.Range(0, 200).Select(i => (long)i)];

        Assert.That(queue.TryWriteMany(items), Is.EqualTo(128), "as many as there is room for");
        Assert.That(queue.TryWriteMany(items.AsSpan(128)), Is.Zero, "full");

        var read = new long[300];
        Assert.That(queue.TryReadMany(read), Is.EqualTo(128));
        Assert.That(read[..128], Is.EqualTo(items[..128]));
        Assert.That(queue.TryReadMany(read), Is.Zero, "empty");
    }

    [Test]
    public void TryWriteMany_WithAMessageTooBigToGoInline_WritesItAloneInItsPlace()
    {
        SharedQueue<string> queue = Cluster.Queues.Open<string>("mixed", capacity: 16, inlineBytes: 32);
        string[] items = ["a", new string('x', 5000), "c"];
        Assert.That(queue.TryWriteMany(items), Is.EqualTo(3));
        var read = new string[3];
        Assert.That(queue.TryReadMany(read), Is.EqualTo(3));
        Assert.That(read, Is.EqualTo(items));
    }

    [Test]
    public void TryWriteMany_WithAMessageTooBigToGoInline_First_WritesItToo()
    {
        // The native batch stops before such a message, even the first: not "full".
        SharedQueue<string> queue = Cluster.Queues.Open<string>("big-first", capacity: 16, inlineBytes: 32);
        string[] items = [new string('x', 5000), new string('y', 5000), "c"];
        Assert.That(queue.TryWriteMany(items), Is.EqualTo(3));
        var read = new string[3];
        Assert.That(queue.TryReadMany(read), Is.EqualTo(3));
        Assert.That(read, Is.EqualTo(items));
    }

    [Test]
    public void TryReadMany_IntoASmallerSpan_TakesOnlyThatMany()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("part", capacity: 16);
        Assert.That(queue.TryWriteMany([1, 2, 3, 4, 5]), Is.EqualTo(5));
        Span<int> two = stackalloc int[2];
        Assert.That(queue.TryReadMany(two), Is.EqualTo(2));
        Assert.That(two.ToArray(), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(queue.Count, Is.EqualTo(3));
    }

    [Test]
    public void TryWriteMany_OnACompletedQueue_Throws()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("done", capacity: 16);
        queue.Complete();
        Assert.Throws<ChannelClosedException>(() => queue.TryWriteMany([1, 2]));
    }

    [Test]
    public void ASharedQueue_IsAChannel_ThatCodeWrittenForChannelsTakes()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("as-channel", capacity: 4);
        Channel<int> channel = queue;
        ChannelWriter<int> writer = channel;
        ChannelReader<int> reader = channel;
        Assert.That(writer.TryWrite(5), Is.True);
        Assert.That(reader.TryRead(out int item) && item == 5, Is.True);
    }
}
