using System.Runtime.InteropServices;
using DotnetWorkers.Messaging.Inbox;

namespace DotnetWorkers.Tests;

/// <summary>
/// A drain of its own over a cluster of one whose messaging is not started (so the
/// runtime's own drain never reads the inbox), with test handlers: for tests of the inbox
/// and scheduling layers alone. Messages are written to this process's inbox by hand.
/// </summary>
internal sealed class InboxFixture : IDisposable
{
    internal InboxFixture()
    {
        Cluster = new TestCluster();
        Drain = new InboxDrain(Cluster.Runtime, Inboxes, Cluster.Runtime.Messaging.Waiters);
    }

    internal TestCluster Cluster { get; }

    internal Inboxes Inboxes => Cluster.Runtime.Messaging.Inboxes;

    internal InboxDrain Drain { get; }

    /// <summary>Writes a message of <paramref name="kind"/> to this process's inbox, numbered <paramref name="callId"/>.</summary>
    internal void Send(MessageKind kind, long callId, int payloadLength = 8)
    {
        byte[] message = new byte[MessageHeader.Size + payloadLength];
        var header = new MessageHeader { Kind = kind, CallId = callId };
        MemoryMarshal.Write(message, in header);
        Assert.That(Inboxes.TrySend(0, message), Is.True, "the inbox has room");
    }

    /// <summary>Drains until a pass finds nothing; what was found.</summary>
    internal List<InboxWork> DrainAll()
    {
        var found = default(DrainFindings);
        while (Drain.Drain(ref found, out bool more) || more)
        {
        }

        return Items(found.Work.Take());
    }

    /// <summary>The items of a linked chain, in order.</summary>
    internal static List<InboxWork> Items(InboxWork? first)
    {
        var items = new List<InboxWork>();
        for (InboxWork? item = first; item is not null; item = item.Next)
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>Stops the drain and waits (bounded) for a pass in progress before the region is released.</summary>
    public void Dispose()
    {
        Drain.Stop();
        SpinWait.SpinUntil(() => !Drain.IsDraining, TimeSpan.FromSeconds(10));
        Cluster.Dispose();
    }

    /// <summary>Work a test handler returns for one message: it records the thread it ran on.</summary>
    internal sealed class TestWork(long callId) : InboxWork
    {
        private int _ran;

        internal long CallId { get; } = callId;

        internal int RanOnThread { get; private set; }

        internal override bool HasRun => Volatile.Read(ref _ran) != 0;

        internal override void Run()
        {
            RanOnThread = Environment.CurrentManagedThreadId;
            Volatile.Write(ref _ran, 1);
        }
    }
}
