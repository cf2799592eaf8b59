using System.Threading.Channels;
using DotnetWorkers.Queues;

namespace DotnetWorkers.Tests;

/// <summary>Shared queues inside one process; many processes are covered by the launcher tests.</summary>
public class SharedQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private TestCluster _cluster = null!;

    [SetUp]
    public void SetUp() => _cluster = new TestCluster();

    [TearDown]
    public void TearDown() => _cluster.Dispose();

    [Test]
    public void Messages_ComeOutInOrder()
    {
        SharedQueue<string> queue = _cluster.Queues.Open<string>("q", capacity: 16);
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
        SharedQueue<int> queue = _cluster.Queues.Open<int>("small", capacity: 2);
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
        SharedQueue<int> queue = _cluster.Queues.Open<int>("small", capacity: 1);  // rounded up to 2
        Assert.That(queue.TryWrite(1) && queue.TryWrite(2), Is.True);
        Assert.That(queue.TryWrite(3), Is.False);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.That(async () => await queue.WriteAsync(2, cancellation.Token).AsTask().WaitAsync(Bound),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task ReadAsync_WaitsForAWriter()
    {
        SharedQueue<int> queue = _cluster.Queues.Open<int>("q");
        Task<int> read = queue.ReadAsync().AsTask();
        await Task.Delay(30);
        Assert.That(read.IsCompleted, Is.False);
        await queue.WriteAsync(42);
        Assert.That(await read.WaitAsync(Bound), Is.EqualTo(42));
    }

    [Test]
    public void ReadAsync_CanBeCancelled()
    {
        SharedQueue<int> queue = _cluster.Queues.Open<int>("q");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.That(async () => await queue.ReadAsync(cancellation.Token).AsTask().WaitAsync(Bound),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Completing_EndsReadAllAsync_AfterTheRest_AndClosesWriters()
    {
        SharedQueue<int> queue = _cluster.Queues.Open<int>("q");
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
        SharedQueue<byte[]> queue = _cluster.Queues.Open<byte[]>("big", capacity: 4, inlineBytes: 64);
        byte[] big = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        await queue.WriteAsync(big);
        Assert.That(await queue.ReadAsync().AsTask().WaitAsync(Bound), Is.EqualTo(big));
    }

    [Test]
    public void Open_ValidatesItsArguments_AndTheShapeMustMatch()
    {
        _cluster.Queues.Open<int>("shape", capacity: 8, inlineBytes: 16);
        Assert.Throws<InvalidOperationException>(() => _cluster.Queues.Open<int>("shape", capacity: 16, inlineBytes: 16));
        Assert.Throws<ArgumentException>(() => _cluster.Queues.Open<int>(""));
        Assert.Throws<ArgumentException>(() => _cluster.Queues.Open<int>(new string('x', 200)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _cluster.Queues.Open<int>("q", capacity: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _cluster.Queues.Open<int>("q", inlineBytes: 1 << 20));
    }
}
