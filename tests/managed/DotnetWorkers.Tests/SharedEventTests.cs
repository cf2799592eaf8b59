using DotnetWorkers.Events;

namespace DotnetWorkers.Tests;

/// <summary>Events inside one process; delivery to every process is covered by the launcher tests.</summary>
public class SharedEventTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private TestCluster _cluster = null!;

    [SetUp]
    public void SetUp() => _cluster = new TestCluster();

    [TearDown]
    public void TearDown() => _cluster.Dispose();

    [Test]
    public async Task EverySubscription_GetsEveryValue_InOrder()
    {
        using EventSubscription<string> first = _cluster.Events.Subscribe<string>("news");
        using EventSubscription<string> second = _cluster.Events.Subscribe<string>("news");
        Assert.That(await _cluster.Events.PublishAsync("news", "a"), Is.EqualTo(1), "one process subscribed");
        await _cluster.Events.PublishAsync("news", "b");
        foreach (EventSubscription<string> subscription in new[] { first, second })
        {
            await using IAsyncEnumerator<string> values = subscription.GetAsyncEnumerator();
            Assert.That(await values.MoveNextAsync().AsTask().WaitAsync(Bound) && values.Current == "a", Is.True);
            Assert.That(await values.MoveNextAsync().AsTask().WaitAsync(Bound) && values.Current == "b", Is.True);
        }
    }

    [Test]
    public async Task ACallback_IsCalledForEachValue()
    {
        var received = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = _cluster.Events.Subscribe<int>("n", value => received.TrySetResult(value));
        await _cluster.Events.PublishAsync("n", 7);
        Assert.That(await received.Task.WaitAsync(Bound), Is.EqualTo(7));
    }

    [Test]
    public async Task AfterUnsubscribing_NothingIsDelivered_AndOtherTopicsStaySeparate()
    {
        EventSubscription<int> subscription = _cluster.Events.Subscribe<int>("t");
        using EventSubscription<int> other = _cluster.Events.Subscribe<int>("other");
        Assert.That(_cluster.Events.SubscriberCount("t"), Is.EqualTo(1));
        subscription.Dispose();
        Assert.That(_cluster.Events.SubscriberCount("t"), Is.EqualTo(0));
        Assert.That(await _cluster.Events.PublishAsync("t", 1), Is.EqualTo(0));
        await _cluster.Events.PublishAsync("other", 2);
        Assert.That(await other.Reader.ReadAsync().AsTask().WaitAsync(Bound), Is.EqualTo(2));
        Assert.That(subscription.Reader.TryRead(out _), Is.False);
    }

    [Test]
    public void BadTopics_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => _cluster.Events.Subscribe<int>(""));
        Assert.ThrowsAsync<ArgumentException>(async () => await _cluster.Events.PublishAsync(new string('x', 300), 1));
    }
}
