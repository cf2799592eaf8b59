using DotnetWorkers.Messaging;

namespace DotnetWorkers.Tests;

/// <summary>The chains the dispatcher runs answers and requests in: every item once, and never stuck behind a blocked one.</summary>
public class WorkChainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void AnItemThatBlocksUntilALaterOneRuns_DoesNotStallTheChain()
    {
        using var secondRan = new ManualResetEventSlim();
        var second = new Item(() => secondRan.Set());
        var first = new Item(() => Assert.That(secondRan.Wait(Bound), Is.True, "the item after a blocked one never ran"));
        var chain = new TestChain(Build(first, second));

        Task running = Task.Run(chain.Run);

        Assert.That(running.Wait(Bound + Bound), Is.True);
        Assert.That(second.Runs + first.Runs, Is.EqualTo(2));
    }

    [Test]
    public void EveryItemRunsExactlyOnce_WhateverThreadTakesIt()
    {
        Item[] items = Enumerable.Range(0, 5000).Select(_ => new Item(() => Thread.SpinWait(200))).ToArray();
        var chain = new TestChain(Build(items));

        chain.Run();

        Assert.That(SpinWait.SpinUntil(() => items.All(i => Volatile.Read(ref i.Runs) == 1), Bound), Is.True,
            "some items ran twice or never");
        Assert.That(items.Max(i => i.Runs), Is.EqualTo(1));
    }

    private static Item Build(params Item[] items)
    {
        var builder = default(ChainBuilder<Item>);
        foreach (Item item in items)
        {
            builder.Add(item);
        }

        return builder.Take()!;
    }

    private sealed class Item(Action action) : ChainItem<Item>
    {
        public int Runs;

        public void Run()
        {
            action();
            Interlocked.Increment(ref Runs);
        }
    }

    /// <summary>Runs items the way the dispatcher's chains do: take, make sure of a helper, run.</summary>
    private sealed class TestChain(Item first) : WorkChain<Item>(first)
    {
        public void Run()
        {
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + BudgetTicks;
            while (Take() is { } item)
            {
                EnsureHelper();
                item.Run();
                if (System.Diagnostics.Stopwatch.GetTimestamp() > until)
                {
                    EnsureHelper();
                    return;
                }
            }
        }

        protected override void RunAsHelper() => Run();
    }
}
