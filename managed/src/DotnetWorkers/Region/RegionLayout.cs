namespace DotnetWorkers.Region;

/// <summary>
/// Mirror of runtime/include/dotnet_workers/region_layout.h (normative text: docs/protocol.md).
/// The parity test (RegionLayoutTests) compares every value with what the native library
/// was compiled with; change both together and bump <see cref="Version"/>.
/// </summary>
internal static class RegionLayout
{
    internal const uint Version = 8;
    internal const ulong Magic = 0x4E4F494745525744; // "DWREGION"

    internal const int HeaderSize = 4096;
    internal const int ProcessTableOffset = HeaderSize;
    internal const int ProcessCapacity = 1024;
    internal const int ProcessEntrySize = 128;
    internal const int RoleCapacity = 32;
    internal const ulong MinRegionSize = 16UL << 20;
    internal const int MaxKeyLength = 1024;
    internal const int MaxNameLength = 128;
    internal const int MutexSize = 48;
    internal const int StripeCount = 16384;
    internal const int MaxChainLength = 4096;
    internal const int StripeVersionsOffset = 56;
    internal const int QueueCapacity = 256;
    internal const int MaxQueueCells = 1 << 20;
    internal const int MaxSlotSize = 64 * 1024;
    internal const int ServiceCapacity = 1024;
    internal const int MaxServiceNameLength = 256;
    internal const int ServiceEntrySize = 512;
    internal const int ServiceGenerationOffset = 152;
    internal const int DoorbellSize = 128;
    internal const int DoorbellCallsInFlightOffset = 64;
    internal const int DoorbellPollingOffset = 8;
    internal const int DoorbellCallsServedOffset = 72;
    internal const int DoorbellGcHeapOffset = 80;
    internal const int QueueEntrySize = 640;
    internal const int QueueWriteMutexOffset = 64;
    internal const int TypeNameCapacity = 1024;
    internal const int MaxTypeNameLength = 240;

    // RegionHeader field offsets.
    internal const int MagicOffset = 0;
    internal const int LayoutVersionOffset = 8;
    internal const int FormatWordOffset = 12;
    internal const int RegionSizeOffset = 16;
    internal const int BaseAddressOffset = 24;
    internal const int LauncherPidOffset = 32;
    internal const int ProcessCapacityOffset = 36;
    internal const int WorkerCountOffset = 40;
    internal const int FlagsOffset = 44;
    internal const int ProcessTableOffsetOffset = 48;
    internal const int CreatedUnixNsOffset = 56;
    internal const int ShutdownStateOffset = 64;
    internal const int ShutdownReasonOffset = 68;
    internal const int HoldingsOffsetOffset = 72;
    internal const int HeapControlOffsetOffset = 80;
    internal const int ObjectsControlOffsetOffset = 88;
    internal const int StripesOffsetOffset = 96;
    internal const int BuffersOffsetOffset = 104;
    internal const int LocksOffsetOffset = 112;
    internal const int BucketsOffsetOffset = 120;
    internal const int BucketBitmapOffsetOffset = 128;
    internal const int BucketCountOffset = 136;
    internal const int CorruptOffset = 140;
    internal const int HeapOffsetOffset = 144;
    internal const int HeapEndOffset = 152;
    internal const int EntryCountOffset = 160;
    internal const int HashSeedOffset = 168;
    internal const int QueuesOffsetOffset = 176;
    internal const int DoorbellsOffsetOffset = 184;
    internal const int ServicesOffsetOffset = 192;
    internal const int TypeNamesOffsetOffset = 200;

    // ProcessEntry field offsets.
    internal const int EntryStateOffset = 0;
    internal const int EntryPidOffset = 4;
    internal const int EntryIdOffset = 8;
    internal const int EntryExitStatusOffset = 12;
    internal const int EntryStartedNsOffset = 16;
    internal const int EntryReadyNsOffset = 24;
    internal const int EntryRoleOffset = 32;
    internal const int EntryRestartsOffset = 64;
    internal const int EntryLastExitStatusOffset = 68;
    internal const int EntryLastExitCauseOffset = 72;

    // RegionHeader.flags.
    internal const uint FlagSpawned = 1;
    internal const uint FlagPrivate = 2;

    // RegionHeader.shutdown_state and shutdown_reason.
    internal const uint Running = 0;
    internal const uint ShutdownRequested = 1;
    internal const uint ReasonRequested = 4;

    // ProcessEntry.state.
    internal const uint ProcessStarting = 1;
    internal const uint ProcessRunning = 2;
    internal const uint ProcessStopping = 3;
    internal const uint ProcessRequested = 7;
}
