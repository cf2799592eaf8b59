using DotnetWorkers.Store;
using MemoryPack;

namespace DotnetWorkers.Tests;

[MemoryPackable]
public partial record Person(string Name, int Age, string[] Tags);

public class NotSerializable
{
    public Action? Callback { get; set; }
}

public class SharedStoreTests : ClusterOfOneTest
{
    private SharedStore Store => Cluster.Store;

    [Test]
    public void SetThenGet_RoundTripsEveryKindOfValue()
    {
        Store.Set("int", 42);
        Store.Set("long", long.MinValue);
        Store.Set("string", "héllo wörld");
        Store.Set("bytes", new byte[] { 1, 2, 3 });
        Store.Set("person", new Person("Ada", 36, ["math", "engines"]));
        Store.Set("big", new string('x', 100_000));
        Store.Set("guid", Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"));
        Assert.Multiple(() =>
        {
            Assert.That(Store.Get<int>("int"), Is.EqualTo(42));
            Assert.That(Store.Get<long>("long"), Is.EqualTo(long.MinValue));
            Assert.That(Store.Get<string>("string"), Is.EqualTo("héllo wörld"));
            Assert.That(Store.Get<byte[]>("bytes"), Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(Store.Get<Person>("person").Tags, Is.EqualTo(new[] { "math", "engines" }));
            Assert.That(Store.Get<Person>("person") with { Tags = [] }, Is.EqualTo(new Person("Ada", 36, [])));
            Assert.That(Store.Get<string>("big"), Has.Length.EqualTo(100_000));
            Assert.That(Store.Get<Guid>("guid"), Is.EqualTo(Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff")));
            Assert.That(Store.Count, Is.EqualTo(7));
        });
    }

    [Test]
    public void MissingKey_TryGetIsFalse_GetThrowsKeyNotFound()
    {
        Assert.That(Store.TryGet("nope", out int _), Is.False);
        Assert.That(Store.ContainsKey("nope"), Is.False);
        var e = Assert.Throws<KeyNotFoundException>(() => Store.Get<int>("nope"));
        Assert.That(e!.Message, Does.Contain("'nope'"));
    }

    [Test]
    public void TryAdd_AddsOnlyWhenAbsent()
    {
        Assert.That(Store.TryAdd("k", "first"), Is.True);
        Assert.That(Store.TryAdd("k", "second"), Is.False);
        Assert.That(Store.Get<string>("k"), Is.EqualTo("first"));
    }

    [Test]
    public void CompareExchange_SwapsOnlyFromTheExpectedValue()
    {
        Store.Set("state", "idle");
        Assert.That(Store.CompareExchange("state", "busy", "done"), Is.False);
        Assert.That(Store.CompareExchange("state", "idle", "busy"), Is.True);
        Assert.That(Store.Get<string>("state"), Is.EqualTo("busy"));
    }

    [Test]
    public void Remove_SaysWhetherThereWasAValue()
    {
        Store.Set("k", 1);
        Assert.That(Store.Remove("k"), Is.True);
        Assert.That(Store.Remove("k"), Is.False);
        Assert.That(Store.ContainsKey("k"), Is.False);
    }

    [Test]
    public void Increment_IsACounterReadableAsLong()
    {
        Assert.That(Store.Increment("hits"), Is.EqualTo(1));
        Assert.That(Store.Add("hits", 10), Is.EqualTo(11));
        Assert.That(Store.Increment("hits", -1), Is.EqualTo(10));
        Assert.That(Store.Get<long>("hits"), Is.EqualTo(10));
        Store.Set("text", "not a number");
        Assert.That(() => Store.Increment("text"), Throws.InstanceOf<InvalidOperationException>());  // SharedTypeMismatchException, since values carry their type
    }

    [Test]
    public void Increment_FromManyThreads_LosesNoUpdate()
    {
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                Store.Increment("counter");
            }
        });
        Assert.That(Store.Get<long>("counter"), Is.EqualTo(80_000));
    }

    [Test]
    public void Update_FromManyThreads_LosesNoUpdate()
    {
        Store.Set("list", Array.Empty<int>());
        Parallel.For(0, 4, t =>
        {
            for (int i = 0; i < 250; i++)
            {
                Store.Update<int[]>("list", current => [.. current, (t * 1000) + i]);
            }
        });
        Assert.That(Store.Get<int[]>("list"), Has.Length.EqualTo(1000).And.Unique);
    }

    [Test]
    public void Update_OfAMissingKey_ThrowsKeyNotFound_AddOrUpdateAddsIt()
    {
        Assert.Throws<KeyNotFoundException>(() => Store.Update<int>("k", v => v + 1));
        Assert.That(Store.AddOrUpdate("k", 1, v => v + 1), Is.EqualTo(1));
        Assert.That(Store.AddOrUpdate("k", 1, v => v + 1), Is.EqualTo(2));
    }

    [Test]
    public async Task Expiry_MakesTheValueDisappear()
    {
        Store.Set("brief", "x", TimeSpan.FromMilliseconds(20));
        Store.Set("lasting", "y", TimeSpan.FromHours(1));
        Assert.That(Store.ContainsKey("brief"), Is.True);
        await Task.Delay(100);
        Assert.That(Store.ContainsKey("brief"), Is.False);
        Assert.That(Store.Get<string>("lasting"), Is.EqualTo("y"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Store.Set("k", 1, TimeSpan.Zero));
    }

    [Test]
    public void Keys_ListsByPrefix()
    {
        for (int i = 0; i < 2000; i++)
        {
            Store.Set($"user:{i}", i);
        }

        Store.Set("order:1", 1);
        Assert.That(Store.Keys("user:").Count(), Is.EqualTo(2000));
        Assert.That(Store.Keys("user:"), Does.Contain("user:1999").And.Not.Contain("order:1"));
        Assert.That(Store.Keys().ToList(), Has.Count.EqualTo(2001).And.Unique);
    }

    [Test]
    public void Keys_OfABucketBiggerThanTheFirstBuffer_AreStillListed()
    {
        // 40 keys of 1000 bytes: more than the first 16 KiB batch buffer holds, in any bucket layout.
        string[] keys = [.. Enumerable.Range(0, 40).Select(i => $"{i:D4}" + new string('k', 996))];
        foreach (string key in keys)
        {
            Store.Set(key, 1);
        }

        Assert.That(Store.Keys(), Is.EquivalentTo(keys));
    }

    [Test]
    public async Task GetOrSet_RunsTheFactoryOnce_ForManyConcurrentCallers()
    {
        int runs = 0;
        var gate = new TaskCompletionSource();
        ValueTask<string>[] calls = [.. Enumerable.Range(0, 10).Select(_ => Store.GetOrSetAsync("file", async _ =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            return "contents";
        }))];
        await Task.Delay(50);
        gate.SetResult();
        string[] results = await Task.WhenAll(calls.Select(c => c.AsTask())).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(runs, Is.EqualTo(1));
        Assert.That(results, Is.All.EqualTo("contents"));
        Assert.That(await Store.GetOrSetAsync<string>("file", () => throw new InvalidOperationException("not called")), Is.EqualTo("contents"));
    }

    [Test]
    public async Task GetOrSet_AFailure_ReachesTheWaitersWithItsTypeAndMessage_AndIsNotCached()
    {
        var gate = new TaskCompletionSource();
        ValueTask<int> computing = Store.GetOrSetAsync<int>("k", async _ =>
        {
            await gate.Task;
            throw new FileNotFoundException("gone: /tmp/foo");
        });
        ValueTask<int> waiting = Store.GetOrSetAsync<int>("k", () => Task.FromResult(-1));
        await Task.Delay(50);
        gate.SetResult();
        Assert.ThrowsAsync<FileNotFoundException>(async () => await computing, "the computing caller gets the original");
        var e = Assert.ThrowsAsync<SharedComputationException>(async () => await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(e!.RemoteType, Is.EqualTo(typeof(FileNotFoundException).FullName));
        Assert.That(e.RemoteMessage, Is.EqualTo("gone: /tmp/foo"));
        Assert.That(e.RemoteStackTrace, Is.Not.Null);
        Assert.That(await Store.GetOrSetAsync("k", () => Task.FromResult(7)), Is.EqualTo(7), "a new caller computes again");
    }

    [Test]
    public async Task GetOrSet_TheComputingCallerCancelled_AWaiterTakesOver()
    {
        using var cancel = new CancellationTokenSource();
        ValueTask<int> abandoned = Store.GetOrSetAsync<int>("k", async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, cancellationToken: cancel.Token);
        await Task.Delay(20);
        ValueTask<int> waiter = Store.GetOrSetAsync("k", () => Task.FromResult(2));
        await Task.Delay(20);
        cancel.Cancel();
        Assert.ThrowsAsync<TaskCanceledException>(async () => await abandoned);
        Assert.That(await waiter.AsTask().WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(2));
    }

    [Test]
    public void GetOrSet_AWaiterCanStopWaiting()
    {
        var never = new TaskCompletionSource<int>();
        _ = Store.GetOrSetAsync("k", () => never.Task);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.ThrowsAsync<TaskCanceledException>(async () => await Store.GetOrSetAsync("k", () => Task.FromResult(1), cancellationToken: cancel.Token));
        never.SetResult(0);
    }

    [TestCase(null)]
    [TestCase("")]
    public void NullOrEmptyKey_IsAnArgumentError(string? key)
    {
        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => Store.Set(key!, 1));
        Assert.Throws(Is.InstanceOf<ArgumentException>(), () => Store.TryGet(key!, out int _));
    }

    [Test]
    public void KeyLongerThan1024Bytes_IsAnArgumentError()
    {
        Store.Set(new string('k', 1024), 1);
        var e = Assert.Throws<ArgumentException>(() => Store.Set(new string('é', 513), 1)); // 1026 bytes of UTF-8
        Assert.That(e!.Message, Does.Contain("at most 1024 bytes").And.Contain("1026"));
    }

    [Test]
    public void UnserializableValue_IsAnArgumentError()
    {
        var e = Assert.Throws<ArgumentException>(() => Store.Set("k", new NotSerializable()));
        Assert.That(e!.Message, Does.Contain("MemoryPack").And.Contain(nameof(NotSerializable)));
        Assert.That(Store.ContainsKey("k"), Is.False);
    }

    [Test]
    public void AFullRegion_ThrowsWithWhatWasAskedAndWhatIsLeft_AndTheStoreStillWorks()
    {
        var e = Assert.Throws<SharedMemoryExhaustedException>(() => Store.Set("huge", new byte[100 << 20]));
        Assert.That(e!.RequestedBytes, Is.GreaterThan(100 << 20));
        Assert.That(e.AvailableBytes, Is.GreaterThan(0).And.LessThan(64L << 20));
        Assert.That(e.Message, Does.Contain("asked for"));
        Store.Set("small", 1);
        Assert.That(Store.Get<int>("small"), Is.EqualTo(1));
    }

    [Test]
    public void Get_OfAnUnmanagedValue_AllocatesNothing()
    {
        Store.Set("n", 123L);
        Store.Get<long>("n"); // warm up (JIT, first-call paths)
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            sum += Store.Get<long>("n");
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(sum, Is.EqualTo(123_000));
    }

    [Test]
    public void UseAfterTheClusterIsReleased_ThrowsObjectDisposed()
    {
        SharedStore store = Store;
        Cluster.Dispose();
        Assert.Throws<ObjectDisposedException>(() => store.Set("k", 1));
        Assert.Throws<ObjectDisposedException>(() => store.TryGet("k", out int _));
    }
}
