using DotnetWorkers.Buffers;

namespace DotnetWorkers.Tests;

public class SharedBufferTests : ClusterOfOneTest
{
    private SharedBuffers Buffers => Cluster.Buffers;

    [Test]
    public void Open_CreatesZeroedBytes_AndASecondOpenSeesTheSameBytes()
    {
        using SharedBuffer a = Buffers.Open("frame", 4096);
        Assert.That(a.Created, Is.True);
        Assert.That(a.Length, Is.EqualTo(4096));
        Assert.That(a.Span.ToArray(), Is.All.Zero);
        a.Span.Fill(7);
        using SharedBuffer b = Buffers.OpenExisting("frame");
        Assert.That(b.Created, Is.False);
        Assert.That(b.Address, Is.EqualTo(a.Address), "zero copy: the same bytes");
        Assert.That(b.Span[4095], Is.EqualTo(7));
        Assert.That(b.Memory.Span[0], Is.EqualTo(7));
    }

    [Test]
    public void OpenWithAnotherSize_IsRefused_AndAMissingNameIsNotFound()
    {
        using SharedBuffer a = Buffers.Open("b", 100);
        var e = Assert.Throws<InvalidOperationException>(() => Buffers.Open("b", 200));
        Assert.That(e!.Message, Does.Contain("exists with 100 bytes"));
        Assert.Throws<KeyNotFoundException>(() => Buffers.OpenExisting("missing"));
    }

    [Test]
    public void TheLastDispose_FreesTheBytes_AndDisposingTwiceDoesNothing()
    {
        SharedBuffer a = Buffers.Open("b", 1 << 20);
        SharedBuffer b = Buffers.Open("b", 1 << 20);
        a.Dispose();
        a.Dispose();
        Assert.That(Buffers.Count, Is.EqualTo(1));
        b.Dispose();
        Assert.That(Buffers.Count, Is.Zero);
        Assert.Throws<ObjectDisposedException>(() => _ = a.Span.Length);
    }

    [Test]
    public void CreatingAndReleasingInALoop_KeepsMemoryFlat()
    {
        Buffers.Open("warm", 1 << 20).Dispose();
        MemoryStatistics before = Cluster.Memory;
        for (int i = 0; i < 1000; i++)
        {
            using SharedBuffer buffer = Buffers.Open($"loop", 1 << 20);
            buffer.Span[0] = 1;
        }

        MemoryStatistics after = Cluster.Memory;
        Assert.That(after.UsedBytes, Is.EqualTo(before.UsedBytes));
        Assert.That(after.UntouchedBytes, Is.EqualTo(before.UntouchedBytes));
    }

    [Test]
    public void ABufferNeverDisposed_IsNotFreedUnderItsSpans_WhenCollected()
    {
        // A span can outlive the SharedBuffer it came from (the collector does not see it):
        // collecting the object must not free the bytes. The process's end gives them back.
        OpenAndDrop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.That(Buffers.Count, Is.EqualTo(1));
    }

    private void OpenAndDrop() => Buffers.Open("forgotten", 64);

    [Test]
    public void GetSpan_ChecksItsBounds()
    {
        using SharedBuffer buffer = Buffers.Open("b", 100);
        Assert.That(buffer.GetSpan(90, 10).Length, Is.EqualTo(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.GetSpan(95, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.GetSpan(-1, 1));
    }

    [Test]
    public void BadInput_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Buffers.Open("b", 0));
        Assert.Throws<ArgumentNullException>(() => Buffers.Open(null!, 10));
        Assert.Throws<ArgumentException>(() => Buffers.Open(new string('n', 129), 10));
        var e = Assert.Throws<SharedMemoryExhaustedException>(() => Buffers.Open("huge", 1L << 40));
        Assert.That(e!.RequestedBytes, Is.EqualTo(1L << 40));
    }
}
