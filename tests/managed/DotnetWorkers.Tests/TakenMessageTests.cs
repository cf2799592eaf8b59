using System.Threading.Channels;
using DotnetWorkers.Queues;

namespace DotnetWorkers.Tests;

/// <summary>
/// TakeAsync on one machine: the region's queue freed the message when it was taken, so an
/// acknowledgment has nothing to do and a release writes the message again. Across machines
/// (held until acknowledged, delivered again after a death) the launcher tests cover it.
/// </summary>
public class TakenMessageTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Acknowledged_IsGone()
    {
        SharedQueue<string> queue = Cluster.Queues.Open<string>("take", capacity: 4);
        Assert.That(queue.TryWrite("a") && queue.TryWrite("b"), Is.True);
        await using TakenMessage<string> message = await queue.TakeAsync().AsTask().WaitAsync(Bound);
        Assert.That(message.Value, Is.EqualTo("a"));
        await message.AcknowledgeAsync();
        Assert.That(message.IsSettled, Is.True);
        Assert.That(queue.TryRead(out string? next) ? next : null, Is.EqualTo("b"));
        Assert.That(queue.Count, Is.Zero, "disposing of an acknowledged message gives nothing back");
    }

    [Test]
    public async Task DisposedWithoutAnAcknowledgment_ComesAgain()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("take-release", capacity: 4);
        Assert.That(queue.TryWrite(7), Is.True);
        await using (TakenMessage<int> message = await queue.TakeAsync().AsTask().WaitAsync(Bound))
        {
            Assert.That(queue.Count, Is.Zero);
        }

        Assert.That(queue.TryRead(out int again) ? again : -1, Is.EqualTo(7), "a consumer that threw gives its message back");
    }

    [Test]
    public async Task SettledTwice_IsAnError()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("take-twice", capacity: 4);
        Assert.That(queue.TryWrite(1), Is.True);
        TakenMessage<int> message = await queue.TakeAsync().AsTask().WaitAsync(Bound);
        await message.ReleaseAsync();
        Assert.That(() => message.AcknowledgeAsync(), Throws.InvalidOperationException.With.Message.EqualTo("The message was acknowledged or released already."));
        Assert.That(() => message.ReleaseAsync(), Throws.InvalidOperationException);
        Assert.That(queue.Count, Is.EqualTo(1), "released once");
    }

    [Test]
    public void OnACompletedEmptyQueue_Throws_AndWaitsCanBeCancelled()
    {
        SharedQueue<int> waiting = Cluster.Queues.Open<int>("take-wait");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.That(async () => await waiting.TakeAsync(cancellation.Token).AsTask().WaitAsync(Bound), Throws.InstanceOf<OperationCanceledException>());

        SharedQueue<int> done = Cluster.Queues.Open<int>("take-done");
        done.Complete();
        Assert.That(async () => await done.TakeAsync().AsTask().WaitAsync(Bound), Throws.InstanceOf<ChannelClosedException>());
    }
}
