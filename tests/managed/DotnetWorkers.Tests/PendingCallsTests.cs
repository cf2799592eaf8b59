using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Rpc;
using NUnit.Framework;

namespace DotnetWorkers.Tests;

/// <summary>The table of calls a process waits on: ids, removal by one winner, more calls than slots.</summary>
public class PendingCallsTests
{
    private static readonly MethodPlan Plan = new(typeof(IDisposable), "Dispose", 0, -1);

    private static PendingCall<int> NewCall(int target = 1) => new(target, 100, Plan, static _ => 0);

    [Test]
    public void EachCall_GetsItsOwnId_AndIsRemovedOnceByIt()
    {
        var table = new PendingCalls();
        PendingCall<int> first = NewCall();
        PendingCall<int> second = NewCall();
        long a = table.Add(first);
        long b = table.Add(second);

        Assert.That(a, Is.Not.Zero.And.Not.EqualTo(b));
        Assert.That(table.TryRemove(b, out PendingCall? removed), Is.True);
        Assert.That(removed, Is.SameAs(second));
        Assert.That(table.TryRemove(b, out _), Is.False, "an answer that came twice, or after a timeout, finds nothing");
        Assert.That(table.TryRemove(a, out removed), Is.True);
        Assert.That(removed, Is.SameAs(first));
    }

    [Test]
    public void AnIdOfAnEarlierCall_DoesNotRemoveTheCallNowInItsSlot()
    {
        var table = new PendingCalls();
        long old = table.Add(NewCall());
        Assert.That(table.TryRemove(old, out _), Is.True);

        // Ids go round the slots: the call that lands in the old call's slot has another id.
        PendingCall<int>? sameSlot = null;
        for (int i = 0; i < PendingCalls.SlotCount; i++)
        {
            PendingCall<int> call = NewCall();
            if (table.Add(call) % PendingCalls.SlotCount == old % PendingCalls.SlotCount)
            {
                sameSlot = call;
            }
        }

        Assert.That(sameSlot, Is.Not.Null);
        Assert.That(table.TryRemove(old, out _), Is.False, "a late answer to the old call");
        Assert.That(table.TryRemove(sameSlot!.CallId, out PendingCall? removed), Is.True);
        Assert.That(removed, Is.SameAs(sameSlot));
    }

    [Test]
    public void MoreCallsThanSlots_AreAllKept_AndAllFoundAgain()
    {
        var table = new PendingCalls();
        var calls = new Dictionary<long, PendingCall<int>>();
        for (int i = 0; i < (PendingCalls.SlotCount * 3) + 7; i++)
        {
            PendingCall<int> call = NewCall();
            calls.Add(table.Add(call), call);
        }

        foreach ((long id, PendingCall<int> call) in calls)
        {
            Assert.That(table.TryRemove(id, out PendingCall? removed), Is.True, $"call {id}");
            Assert.That(removed, Is.SameAs(call));
        }
    }

    [Test]
    public void RemoveWhere_TakesExactlyTheMatchingCalls_FromSlotsAndOverflow()
    {
        var table = new PendingCalls();
        var toDeadTarget = new List<long>();
        var toLiveTarget = new List<long>();
        for (int i = 0; i < PendingCalls.SlotCount * 2; i++)
        {
            int target = i % 3 == 0 ? 7 : 1;
            long id = table.Add(NewCall(target));
            (target == 7 ? toDeadTarget : toLiveTarget).Add(id);
        }

        InboxWork? removed = table.RemoveWhere(call => call.Target == 7);

        var removedIds = new List<long>();
        for (InboxWork? work = removed; work is not null; work = work.Next)
        {
            removedIds.Add(((PendingCall)work).CallId);
        }

        Assert.That(removedIds, Is.EquivalentTo(toDeadTarget));
        Assert.That(toDeadTarget.Any(id => table.TryRemove(id, out _)), Is.False);
        Assert.That(toLiveTarget.All(id => table.TryRemove(id, out _)), Is.True);
    }

    [Test]
    public void CallsAddedAndRemovedFromManyThreadsAtOnce_AreEachRemovedExactlyOnce()
    {
        var table = new PendingCalls();
        long removals = 0;
        Parallel.For(0, 8, thread =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                long id = table.Add(NewCall());
                if (table.TryRemove(id, out _))
                {
                    Interlocked.Increment(ref removals);
                }

                Assert.That(table.TryRemove(id, out _), Is.False);
            }
        });

        Assert.That(removals, Is.EqualTo(8 * 20_000));
    }
}
