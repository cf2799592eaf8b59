using DotnetWorkers.Events;

namespace DotnetWorkers.Tests;

/// <summary>Events inside one process; delivery to every process is covered by the launcher tests.</summary>
public class SharedEventTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task EverySubscription_GetsEveryValue_InOrder()
    {
        using EventSubscription<string> first = Cluster.Events.Subscribe<string>("news");
        using EventSubscription<string> second = Cluster.Events.Subscribe<string>("news");
        Assert.That(await Cluster.Events.PublishAsync("news", "a"), Is.EqualTo(1), "one process subscribed");
        await Cluster.Events.PublishAsync("news", "b");
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
        using IDisposable subscription = Cluster.Events.Subscribe<int>("n", value => received.TrySetResult(value));
        await Cluster.Events.PublishAsync("n", 7);
        Assert.That(await received.Task.WaitAsync(Bound), Is.EqualTo(7));
    }

    [Test]
    public async Task AfterUnsubscribing_NothingIsDelivered_AndOtherTopicsStaySeparate()
    {
        EventSubscription<int> subscription = Cluster.Events.Subscribe<int>("t");
        using EventSubscription<int> other = Cluster.Events.Subscribe<int>("other");
        Assert.That(Cluster.Events.SubscriberCount("t"), Is.EqualTo(1));
        subscription.Dispose();
        Assert.That(Cluster.Events.SubscriberCount("t"), Is.EqualTo(0));
        Assert.That(await Cluster.Events.PublishAsync("t", 1), Is.EqualTo(0));
        await Cluster.Events.PublishAsync("other", 2);
        Assert.That(await other.Reader.ReadAsync().AsTask().WaitAsync(Bound), Is.EqualTo(2));
        Assert.That(subscription.Reader.TryRead(out _), Is.False);
    }

    [Test]
    public void BadTopics_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => Cluster.Events.Subscribe<int>(""));
        Assert.ThrowsAsync<ArgumentException>(async () => await Cluster.Events.PublishAsync(new string('x', 300), 1));
    }
}
