using System.Threading.Channels;

namespace DotnetWorkers.Tests;

/// <summary>
/// The System.Threading.Channels contract, the way dotnet/runtime's own Channels tests hold
/// it: one abstract class of tests on <see cref="Channel{T}"/>, one subclass per
/// implementation. Run against the in-process bounded channel (which proves the tests) and
/// against a shared queue (which must behave the same).
/// </summary>
public abstract class ChannelContractTests
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>A new, empty bounded channel of <paramref name="capacity"/> items (a power of two), waiting when full.</summary>
    protected abstract Channel<int> CreateBounded(int capacity);

    [Test]
    public void TryWrite_ThenTryRead_ComesOutInOrder_ThenEmpty()
    {
        Channel<int> c = CreateBounded(8);
        for (int i = 0; i < 5; i++)
        {
            Assert.That(c.Writer.TryWrite(i), Is.True);
        }

        for (int i = 0; i < 5; i++)
        {
            Assert.That(c.Reader.TryRead(out int item), Is.True);
            Assert.That(item, Is.EqualTo(i));
        }

        Assert.That(c.Reader.TryRead(out _), Is.False);
    }

    [Test]
    public void AFullChannel_RefusesTryWrite()
    {
        Channel<int> c = CreateBounded(2);
        Assert.That(c.Writer.TryWrite(1) && c.Writer.TryWrite(2), Is.True);
        Assert.That(c.Writer.TryWrite(3), Is.False);
    }

    [Test]
    public async Task WriteAsync_OnAFullChannel_WaitsUntilAReadMakesRoom()
    {
        Channel<int> c = CreateBounded(2);
        Assert.That(c.Writer.TryWrite(1) && c.Writer.TryWrite(2), Is.True);
        Task write = c.Writer.WriteAsync(3).AsTask();
        await Task.Delay(50);
        Assert.That(write.IsCompleted, Is.False);
        Assert.That(await c.Reader.ReadAsync().AsTask().WaitAsync(Bound), Is.EqualTo(1));
        await write.WaitAsync(Bound);
        Assert.That(c.Reader.TryRead(out int a) && a == 2 && c.Reader.TryRead(out int b) && b == 3, Is.True);
    }

    [Test]
    public async Task WaitToWriteAsync_OnAFullChannel_CompletesWhenThereIsRoom()
    {
        Channel<int> c = CreateBounded(2);
        Assert.That(c.Writer.TryWrite(1) && c.Writer.TryWrite(2), Is.True);
        Task<bool> wait = c.Writer.WaitToWriteAsync().AsTask();
        await Task.Delay(50);
        Assert.That(wait.IsCompleted, Is.False);
        Assert.That(c.Reader.TryRead(out _), Is.True);
        Assert.That(await wait.WaitAsync(Bound), Is.True);
        Assert.That(c.Writer.TryWrite(3), Is.True);
    }

    [Test]
    public async Task WaitToReadAsync_CompletesWhenAnItemIsWritten()
    {
        Channel<int> c = CreateBounded(4);
        Task<bool> wait = c.Reader.WaitToReadAsync().AsTask();
        await Task.Delay(50);
        Assert.That(wait.IsCompleted, Is.False);
        Assert.That(c.Writer.TryWrite(7), Is.True);
        Assert.That(await wait.WaitAsync(Bound), Is.True);
        Assert.That(c.Reader.TryRead(out int item) && item == 7, Is.True);
    }

    [Test]
    public async Task ReadAsync_WaitsForAnItem()
    {
        Channel<int> c = CreateBounded(4);
        ValueTask<int> read = c.Reader.ReadAsync();
        Assert.That(c.Writer.TryWrite(42), Is.True);
        Assert.That(await read.AsTask().WaitAsync(Bound), Is.EqualTo(42));
    }

    [Test]
    public void ReadAsync_WithACancelledToken_IsCancelled()
    {
        Channel<int> c = CreateBounded(4);
        Assert.That(async () => await c.Reader.ReadAsync(new CancellationToken(true)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void AWaitingRead_IsCancelledByItsToken()
    {
        Channel<int> c = CreateBounded(4);
        using var cancel = new CancellationTokenSource(50);
        Assert.That(async () => await c.Reader.ReadAsync(cancel.Token).AsTask().WaitAsync(Bound), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(c.Writer.TryWrite(1), Is.True, "the channel still works");
        Assert.That(c.Reader.TryRead(out int item) && item == 1, Is.True, "and the cancelled read took nothing");
    }

    [Test]
    public void AWaitingWrite_IsCancelledByItsToken_AndWritesNothing()
    {
        Channel<int> c = CreateBounded(2);
        Assert.That(c.Writer.TryWrite(1) && c.Writer.TryWrite(2), Is.True);
        using var cancel = new CancellationTokenSource(50);
        Assert.That(async () => await c.Writer.WriteAsync(3, cancel.Token).AsTask().WaitAsync(Bound), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(c.Reader.TryRead(out int a) && a == 1 && c.Reader.TryRead(out int b) && b == 2 && !c.Reader.TryRead(out _), Is.True);
    }

    [Test]
    public async Task Complete_LetsReadersDrainWhatIsLeft_ThenWaitToReadIsFalse_AndCompletionCompletes()
    {
        Channel<int> c = CreateBounded(4);
        Assert.That(c.Writer.TryWrite(1), Is.True);
        c.Writer.Complete();
        Assert.That(c.Reader.Completion.IsCompleted, Is.False, "an item is left");
        Assert.That(await c.Reader.WaitToReadAsync().AsTask().WaitAsync(Bound), Is.True);
        Assert.That(c.Reader.TryRead(out int item) && item == 1, Is.True);
        Assert.That(await c.Reader.WaitToReadAsync().AsTask().WaitAsync(Bound), Is.False);
        await c.Reader.Completion.WaitAsync(Bound);
        Assert.That(c.Reader.Completion.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task AWaitingReader_LearnsOfCompletion()
    {
        Channel<int> c = CreateBounded(4);
        Task<bool> wait = c.Reader.WaitToReadAsync().AsTask();
        await Task.Delay(50);
        c.Writer.Complete();
        Assert.That(await wait.WaitAsync(Bound), Is.False);
    }

    [Test]
    public void AfterComplete_TryWriteIsFalse_WriteAsyncThrowsClosed_WaitToWriteIsFalse()
    {
        Channel<int> c = CreateBounded(4);
        c.Writer.Complete();
        Assert.That(c.Writer.TryWrite(1), Is.False);
        Assert.That(async () => await c.Writer.WriteAsync(1), Throws.InstanceOf<ChannelClosedException>());
        Assert.That(c.Writer.WaitToWriteAsync().AsTask().Result, Is.False);
        Assert.That(async () => await c.Reader.ReadAsync(), Throws.InstanceOf<ChannelClosedException>());
    }

    [Test]
    public void TryComplete_IsTrueOnce_AndCompleteAgainThrows()
    {
        Channel<int> c = CreateBounded(4);
        Assert.That(c.Writer.TryComplete(), Is.True);
        Assert.That(c.Writer.TryComplete(), Is.False);
        Assert.That(() => c.Writer.Complete(), Throws.InstanceOf<ChannelClosedException>());
    }

    [Test]
    public async Task CompletedWithAnError_ReadersGetIt_OnceTheItemsAreRead()
    {
        Channel<int> c = CreateBounded(4);
        var error = new FormatException("bad input upstream");
        Assert.That(c.Writer.TryWrite(1), Is.True);
        Assert.That(c.Writer.TryComplete(error), Is.True);
        Assert.That(c.Reader.TryRead(out int item) && item == 1, Is.True, "items written before are still read");

        var wait = Assert.ThrowsAsync<FormatException>(async () => await c.Reader.WaitToReadAsync());
        Assert.That(wait, Is.SameAs(error));
        var read = Assert.ThrowsAsync<ChannelClosedException>(async () => await c.Reader.ReadAsync());
        Assert.That(read!.InnerException, Is.SameAs(error));
        var completion = Assert.ThrowsAsync<FormatException>(async () => await c.Reader.Completion.WaitAsync(Bound));
        Assert.That(completion, Is.SameAs(error));
        Assert.That(async () => await c.Writer.WriteAsync(2), Throws.InstanceOf<ChannelClosedException>().With.InnerException.SameAs(error));
        Assert.That(async () => await c.Writer.WaitToWriteAsync(), Throws.InstanceOf<FormatException>());
        await Task.CompletedTask;
    }

    [Test]
    public async Task ReadAllAsync_YieldsEverything_ThenEndsAtCompletion()
    {
        Channel<int> c = CreateBounded(4);
        Task producer = Task.Run(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await c.Writer.WriteAsync(i);
            }

            c.Writer.Complete();
        });
        var got = new List<int>();
        await foreach (int item in c.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            got.Add(item);
        }

        await producer.WaitAsync(Bound);
        Assert.That(got, Is.EqualTo(Enumerable.Range(0, 100)));
    }

    [Test]
    public void Count_IsWhatWaits()
    {
        Channel<int> c = CreateBounded(8);
        Assert.That(c.Reader.CanCount, Is.True);
        Assert.That(c.Reader.Count, Is.Zero);
        Assert.That(c.Writer.TryWrite(1) && c.Writer.TryWrite(2), Is.True);
        Assert.That(c.Reader.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task ManyWritersAndReaders_NothingLost_NothingTwice()
    {
        Channel<int> c = CreateBounded(16);
        const int perWriter = 2_000;
        Task[] writers = [.. Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < perWriter; i++)
            {
                await c.Writer.WriteAsync((w * perWriter) + i);
            }
        }))];
        var seen = new System.Collections.Concurrent.ConcurrentBag<int>();
        Task[] readers = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await foreach (int item in c.Reader.ReadAllAsync())
            {
                seen.Add(item);
            }
        }))];
        await Task.WhenAll(writers).WaitAsync(Bound);
        c.Writer.Complete();
        await Task.WhenAll(readers).WaitAsync(Bound);
        Assert.That(seen.Order(), Is.EqualTo(Enumerable.Range(0, 3 * perWriter)));
    }
}

/// <summary>The contract against System.Threading.Channels' own bounded channel: it proves the tests.</summary>
public sealed class InProcessBoundedChannelContractTests : ChannelContractTests
{
    protected override Channel<int> CreateBounded(int capacity) =>
        Channel.CreateBounded<int>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
}

/// <summary>The contract against a shared queue: it must behave as the in-process channel does.</summary>
public sealed class SharedQueueChannelContractTests : ChannelContractTests
{
    private TestCluster _cluster = null!;
    private int _queues;

    [SetUp]
    public void SetUp() => _cluster = new TestCluster();

    [TearDown]
    public void TearDown() => _cluster.Dispose();

    protected override Channel<int> CreateBounded(int capacity) => _cluster.Queues.Open<int>($"contract-{_queues++}", capacity);
}
