using DotnetWorkers.Messaging;

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
        var chain = new TestChain(Items(5), item =>
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
        var chain = new TestChain(Items(3), item =>
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
        var chain = new TestChain(Items(2), item =>
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

    private static TestItem Items(int count)
    {
        TestItem? first = null, last = null;
        for (int i = 0; i < count; i++)
        {
            var item = new TestItem(i);
            if (last is null)
            {
                first = item;
            }
            else
            {
                last.Next = item;
            }

            last = item;
        }

        return first!;
    }

    private sealed class TestItem(int value) : ChainItem<TestItem>
    {
        internal int Value { get; } = value;
    }

    private sealed class TestChain(TestItem first, Action<TestItem> run) : WorkChain<TestItem>(first)
    {
        protected override void RunItem(TestItem item) => run(item);
    }
}
