using DotnetWorkers.Region;

namespace DotnetWorkers.Tests;

public unsafe class SharedRegionTests
{
    private const ulong Size = 16UL << 20;

    [Test]
    public void CreatePrivate_WritesAHeaderTheManagedSideReadsAtTheDocumentedOffsets()
    {
        using SharedRegion region = SharedRegion.CreatePrivate(Size);
        Assert.Multiple(() =>
        {
            Assert.That(region.ReadUInt64(RegionLayout.MagicOffset), Is.EqualTo(RegionLayout.Magic));
            Assert.That(region.ReadUInt32(RegionLayout.LayoutVersionOffset), Is.EqualTo(RegionLayout.Version));
            Assert.That(region.ReadUInt64(RegionLayout.RegionSizeOffset), Is.EqualTo(Size));
            Assert.That(region.ReadUInt64(RegionLayout.BaseAddressOffset), Is.EqualTo((ulong)region.Base));
            Assert.That(region.ReadUInt32(RegionLayout.ProcessCapacityOffset), Is.EqualTo((uint)RegionLayout.ProcessCapacity));
            Assert.That(region.Size, Is.EqualTo(Size));
            Assert.That(region.IsPrivate, Is.True);
            Assert.That(region.IsSpawned, Is.False);
            Assert.That(region.WorkerCount, Is.Zero);
            Assert.That(region.IsShutdownRequested, Is.False);
        });
    }

    [Test]
    public void ReadProcess_SeesThisProcessAsTheRunningPrimaryOfAPrivateRegion()
    {
        using SharedRegion region = SharedRegion.CreatePrivate(Size);
        WorkerInfo? primary = region.ReadProcess(0);
        Assert.That(primary, Is.Not.Null);
        Assert.That(primary! with { StartedAt = null, GcHeapBytes = null }, Is.EqualTo(new WorkerInfo(0, Environment.ProcessId, "primary", WorkerStatus.Running, null)));
        Assert.That(primary.StartedAt, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)), "stamped when the region was made, here");
        Assert.That(primary.GcHeapBytes, Is.Zero, "bound, and nothing published into this fresh region yet");
        Assert.That(region.ReadProcess(1), Is.Null);
        Assert.That(region.ReadProcess(RegionLayout.ProcessCapacity - 1), Is.Null);
    }

    [Test]
    public void CreatePrivate_RejectsASizeBelowTheMinimum()
    {
        var e = Assert.Throws<ArgumentException>(() => SharedRegion.CreatePrivate(RegionLayout.MinRegionSize - 1));
        Assert.That(e!.Message, Does.Contain("minimum"));
    }

    [Test]
    public void CreatePrivate_OfAnImpossibleSize_ThrowsWithTheReason()
    {
        var e = Assert.Throws<DotnetWorkersException>(() => SharedRegion.CreatePrivate(1UL << 50));
        Assert.That(e!.Message, Does.Contain("cannot reserve"));
    }

    [Test]
    public void Dispose_Twice_IsHarmless()
    {
        SharedRegion region = SharedRegion.CreatePrivate(Size);
        region.Dispose();
        Assert.DoesNotThrow(region.Dispose);
    }
}
