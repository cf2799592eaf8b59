using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Tests;

/// <summary>
/// The managed mirror of the region layout must match what libdotnetworkers was compiled
/// with, field by field: the C++ side pins the same numbers with static_assert.
/// </summary>
public class RegionLayoutTests
{
    // Numbers from dw.h (DW_LAYOUT_*).
    private static readonly (int Which, ulong Managed, string Name)[] Values =
    [
        (0, RegionLayout.HeaderSize, nameof(RegionLayout.HeaderSize)),
        (1, RegionLayout.ProcessTableOffset, nameof(RegionLayout.ProcessTableOffset)),
        (2, RegionLayout.ProcessCapacity, nameof(RegionLayout.ProcessCapacity)),
        (3, RegionLayout.ProcessEntrySize, nameof(RegionLayout.ProcessEntrySize)),
        (4, RegionLayout.RoleCapacity, nameof(RegionLayout.RoleCapacity)),
        (5, RegionLayout.MinRegionSize, nameof(RegionLayout.MinRegionSize)),
        (6, RegionLayout.MagicOffset, nameof(RegionLayout.MagicOffset)),
        (7, RegionLayout.LayoutVersionOffset, nameof(RegionLayout.LayoutVersionOffset)),
        (8, RegionLayout.FormatWordOffset, nameof(RegionLayout.FormatWordOffset)),
        (9, RegionLayout.RegionSizeOffset, nameof(RegionLayout.RegionSizeOffset)),
        (10, RegionLayout.BaseAddressOffset, nameof(RegionLayout.BaseAddressOffset)),
        (11, RegionLayout.LauncherPidOffset, nameof(RegionLayout.LauncherPidOffset)),
        (12, RegionLayout.ProcessCapacityOffset, nameof(RegionLayout.ProcessCapacityOffset)),
        (13, RegionLayout.WorkerCountOffset, nameof(RegionLayout.WorkerCountOffset)),
        (14, RegionLayout.FlagsOffset, nameof(RegionLayout.FlagsOffset)),
        (15, RegionLayout.ProcessTableOffsetOffset, nameof(RegionLayout.ProcessTableOffsetOffset)),
        (16, RegionLayout.CreatedUnixNsOffset, nameof(RegionLayout.CreatedUnixNsOffset)),
        (17, RegionLayout.ShutdownStateOffset, nameof(RegionLayout.ShutdownStateOffset)),
        (18, RegionLayout.ShutdownReasonOffset, nameof(RegionLayout.ShutdownReasonOffset)),
        (19, RegionLayout.EntryStateOffset, nameof(RegionLayout.EntryStateOffset)),
        (20, RegionLayout.EntryPidOffset, nameof(RegionLayout.EntryPidOffset)),
        (21, RegionLayout.EntryIdOffset, nameof(RegionLayout.EntryIdOffset)),
        (22, RegionLayout.EntryExitStatusOffset, nameof(RegionLayout.EntryExitStatusOffset)),
        (23, RegionLayout.EntryStartedNsOffset, nameof(RegionLayout.EntryStartedNsOffset)),
        (24, RegionLayout.EntryReadyNsOffset, nameof(RegionLayout.EntryReadyNsOffset)),
        (25, RegionLayout.EntryRoleOffset, nameof(RegionLayout.EntryRoleOffset)),
        (26, RegionLayout.Magic, nameof(RegionLayout.Magic)),
        (27, RegionLayout.HoldingsOffsetOffset, nameof(RegionLayout.HoldingsOffsetOffset)),
        (28, RegionLayout.HeapControlOffsetOffset, nameof(RegionLayout.HeapControlOffsetOffset)),
        (29, RegionLayout.ObjectsControlOffsetOffset, nameof(RegionLayout.ObjectsControlOffsetOffset)),
        (30, RegionLayout.StripesOffsetOffset, nameof(RegionLayout.StripesOffsetOffset)),
        (31, RegionLayout.BuffersOffsetOffset, nameof(RegionLayout.BuffersOffsetOffset)),
        (32, RegionLayout.LocksOffsetOffset, nameof(RegionLayout.LocksOffsetOffset)),
        (33, RegionLayout.BucketsOffsetOffset, nameof(RegionLayout.BucketsOffsetOffset)),
        (34, RegionLayout.BucketBitmapOffsetOffset, nameof(RegionLayout.BucketBitmapOffsetOffset)),
        (35, RegionLayout.BucketCountOffset, nameof(RegionLayout.BucketCountOffset)),
        (36, RegionLayout.CorruptOffset, nameof(RegionLayout.CorruptOffset)),
        (37, RegionLayout.HeapOffsetOffset, nameof(RegionLayout.HeapOffsetOffset)),
        (38, RegionLayout.HeapEndOffset, nameof(RegionLayout.HeapEndOffset)),
        (39, RegionLayout.EntryCountOffset, nameof(RegionLayout.EntryCountOffset)),
        (40, RegionLayout.MaxKeyLength, nameof(RegionLayout.MaxKeyLength)),
        (41, RegionLayout.MaxNameLength, nameof(RegionLayout.MaxNameLength)),
        (42, RegionLayout.MutexSize, nameof(RegionLayout.MutexSize)),
        (43, RegionLayout.StripeCount, nameof(RegionLayout.StripeCount)),
        (44, RegionLayout.MaxChainLength, nameof(RegionLayout.MaxChainLength)),
        (45, RegionLayout.HashSeedOffset, nameof(RegionLayout.HashSeedOffset)),
        (46, RegionLayout.StripeVersionsOffset, nameof(RegionLayout.StripeVersionsOffset)),
        (47, RegionLayout.QueuesOffsetOffset, nameof(RegionLayout.QueuesOffsetOffset)),
        (48, RegionLayout.DoorbellsOffsetOffset, nameof(RegionLayout.DoorbellsOffsetOffset)),
        (49, RegionLayout.ServicesOffsetOffset, nameof(RegionLayout.ServicesOffsetOffset)),
        (50, (ulong)RegionLayout.QueueCapacity, nameof(RegionLayout.QueueCapacity)),
        (51, (ulong)RegionLayout.MaxQueueCells, nameof(RegionLayout.MaxQueueCells)),
        (52, (ulong)RegionLayout.MaxSlotSize, nameof(RegionLayout.MaxSlotSize)),
        (53, (ulong)RegionLayout.ServiceCapacity, nameof(RegionLayout.ServiceCapacity)),
        (54, (ulong)RegionLayout.MaxServiceNameLength, nameof(RegionLayout.MaxServiceNameLength)),
        (55, (ulong)RegionLayout.DoorbellSize, nameof(RegionLayout.DoorbellSize)),
        (56, (ulong)RegionLayout.DoorbellCallsInFlightOffset, nameof(RegionLayout.DoorbellCallsInFlightOffset)),
        (57, (ulong)RegionLayout.DoorbellPollingOffset, nameof(RegionLayout.DoorbellPollingOffset)),
        (58, (ulong)RegionLayout.QueueEntrySize, nameof(RegionLayout.QueueEntrySize)),
        (59, (ulong)RegionLayout.QueueWriteMutexOffset, nameof(RegionLayout.QueueWriteMutexOffset)),
        (60, RegionLayout.TypeNamesOffsetOffset, nameof(RegionLayout.TypeNamesOffsetOffset)),
        (61, (ulong)RegionLayout.TypeNameCapacity, nameof(RegionLayout.TypeNameCapacity)),
        (62, (ulong)RegionLayout.MaxTypeNameLength, nameof(RegionLayout.MaxTypeNameLength)),
        (63, (ulong)RegionLayout.ServiceEntrySize, nameof(RegionLayout.ServiceEntrySize)),
        (64, (ulong)RegionLayout.ServiceGenerationOffset, nameof(RegionLayout.ServiceGenerationOffset)),
        (65, (ulong)RegionLayout.EntryRestartsOffset, nameof(RegionLayout.EntryRestartsOffset)),
        (66, (ulong)RegionLayout.EntryLastExitStatusOffset, nameof(RegionLayout.EntryLastExitStatusOffset)),
        (67, (ulong)RegionLayout.EntryLastExitCauseOffset, nameof(RegionLayout.EntryLastExitCauseOffset)),
        (68, (ulong)RegionLayout.DoorbellCallsServedOffset, nameof(RegionLayout.DoorbellCallsServedOffset)),
        (69, (ulong)RegionLayout.DoorbellGcHeapOffset, nameof(RegionLayout.DoorbellGcHeapOffset)),
    ];

    [Test]
    public void EveryOffsetAndSize_MatchesTheNativeLibrary()
    {
        Assert.Multiple(() =>
        {
            foreach (var (which, managed, name) in Values)
            {
                Assert.That(NativeMethods.LayoutValue(which), Is.EqualTo(managed), name);
            }
        });
    }

    [Test]
    public void LayoutVersion_MatchesTheNativeLibrary()
    {
        Assert.That(NativeMethods.LayoutVersion(), Is.EqualTo(RegionLayout.Version));
    }

    [Test]
    public void FormatWord_ComputedFromTheManagedMirror_MatchesTheNativeOne()
    {
        // The same FNV-1a over the same facts as region_layout.h FormatWord(): pointer size,
        // header and entry sizes and alignments, capacities, key offsets, then the sizes of
        // the heap, store, buffer, lock and holding structures and their capacities (the
        // ones the managed side never reads are written here as documented in protocol.md).
        ulong[] parts =
        [
            (ulong)IntPtr.Size, RegionLayout.HeaderSize, 8, RegionLayout.ProcessEntrySize, 8,
            RegionLayout.ProcessCapacity, RegionLayout.RoleCapacity, RegionLayout.ShutdownStateOffset,
            RegionLayout.EntryRoleOffset,
            RegionLayout.MutexSize, 16, 4096, 11,     // block header, heap control, small classes
            64, 80, RegionLayout.StripeCount, RegionLayout.MaxKeyLength, // stripe, store entry, stripes
            256, 64, 384, 16,                         // objects control, buffer entry, lock entry, holding
            4096, 256, 256, RegionLayout.MaxNameLength, // buffers, locks, holdings per process
            RegionLayout.MaxChainLength, RegionLayout.HashSeedOffset, RegionLayout.StripeVersionsOffset,
            RegionLayout.QueueEntrySize, 16, RegionLayout.DoorbellSize, RegionLayout.QueueCapacity, // queue entry, queue cell
            RegionLayout.QueuesOffsetOffset, RegionLayout.DoorbellCallsInFlightOffset, RegionLayout.DoorbellPollingOffset,
            RegionLayout.ServiceEntrySize, RegionLayout.ServiceCapacity, RegionLayout.MaxServiceNameLength, // service entry
            RegionLayout.ServicesOffsetOffset,
            40, 144,                                  // the type identities of a queue entry, a service entry
            512, 256, 256,                            // room watchers of a queue, watchers of a lock, claim watchers of the header
            1664, 64,                                 // the heap's statistics counters, a size class's pending free
            256, RegionLayout.TypeNameCapacity, RegionLayout.TypeNamesOffsetOffset, // type name entry
            RegionLayout.ServiceGenerationOffset,
            RegionLayout.EntryRestartsOffset, RegionLayout.DoorbellCallsServedOffset, RegionLayout.DoorbellGcHeapOffset,
        ];
        uint hash = 2166136261;
        foreach (ulong part in parts)
        {
            for (int i = 0; i < 8; i++)
            {
                hash ^= (byte)(part >> (8 * i));
                hash *= 16777619;
            }
        }

        Assert.That(NativeMethods.FormatWord(), Is.EqualTo(hash));
    }

    [Test]
    public void UnknownLayoutValue_IsMaxValue()
    {
        Assert.That(NativeMethods.LayoutValue(-1), Is.EqualTo(ulong.MaxValue));
    }
}
