using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;

namespace DotnetWorkers.Tests;

/// <summary>A chain of one drain's work alone: every item run once, in order on one runner, and never held up for long behind one that blocks.</summary>
public class WorkChainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void ARunner_RunsEveryItem_InOrder_AsAChainRunner()
    {
        var ran = new List<int>();
        var runnerFlags = new List<bool>();
        var chain = Chain(5, item =>
        {
            ran.Add(item.Value);
            runnerFlags.Add(ChainRunner.IsCurrentThread);
        });
        long noHold = 0;

        chain.Run(null, ref noHold);

        Assert.That(ran, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(runnerFlags, Is.All.True, "calls made in an item do not poll");
        Assert.That(ChainRunner.IsCurrentThread, Is.False, "the mark is gone after the run");
    }

    [Test]
    public void ItemsBehindOneThatBlocks_GetAHelper_FromTheWatchdog()
    {
        // Item 0 waits until item 2 has run: only a helper thread can run item 2.
        using var lastRan = new ManualResetEventSlim();
        int count = 0;
        var chain = Chain(3, item =>
        {
            if (item.Value == 0)
            {
                Assert.That(lastRan.Wait(Bound), Is.True, "a helper ran the rest");
            }

            if (item.Value == 2)
            {
                lastRan.Set();
            }

            Interlocked.Increment(ref count);
        });
        long noHold = 0;

        chain.Run(null, ref noHold);

        Assert.That(() => Volatile.Read(ref count), Is.EqualTo(3).After((int)Bound.TotalMilliseconds, 5));
    }

    [Test]
    public void TheAmbientContext_IsPutBackAfterEachItem()
    {
        var local = new AsyncLocal<string?>();
        var seen = new List<string?>();
        var chain = Chain(2, item =>
        {
            seen.Add(local.Value);
            local.Value = $"set by {item.Value}";
            SynchronizationContext.SetSynchronizationContext(new SynchronizationContext());
        });
        long noHold = 0;

        chain.Run(null, ref noHold);

        Assert.That(seen, Is.EqualTo(new string?[] { null, null }), "no item sees what the one before set");
        Assert.That(SynchronizationContext.Current, Is.Null);
    }

    /// <summary>A chain of <paramref name="count"/> items numbered from 0, each running <paramref name="run"/>.</summary>
    private static WorkChain Chain(int count, Action<TestItem> run)
    {
        var items = default(WorkList);
        for (int i = 0; i < count; i++)
        {
            items.Add(new TestItem(i, run));
        }

        return new WorkChain(items.Take()!);
    }

    private sealed class TestItem(int value, Action<TestItem> run) : InboxWork
    {
        internal int Value { get; } = value;

        internal override void Run() => run(this);
    }
}
