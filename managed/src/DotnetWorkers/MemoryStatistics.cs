using DotnetWorkers.Native;

namespace DotnetWorkers;

/// <summary>A snapshot of the shared region's memory.</summary>
/// <param name="ReservedBytes">Address space reserved for the region (<c>--memory</c>).</param>
/// <param name="HeapBytes">Of which the heap, where values, entries and buffers live.</param>
/// <param name="UntouchedBytes">Heap bytes never used: they cost no memory.</param>
/// <param name="UsedBytes">Heap bytes in use (allocated blocks, headers included).</param>
/// <param name="FreeBytes">Heap bytes freed and ready for reuse.</param>
/// <param name="StoreValues">Values in the keyed store.</param>
/// <param name="Buffers">Named buffers alive.</param>
public sealed record MemoryStatistics(
    long ReservedBytes, long HeapBytes, long UntouchedBytes, long UsedBytes, long FreeBytes, long StoreValues, int Buffers)
{
    internal static MemoryStatistics From(NativeMethods.MemoryStatisticsNative s) => new(
        (long)s.RegionBytes, (long)s.HeapBytes, (long)s.NeverUsed, (long)s.UsedBytes, (long)s.FreeBytes, (long)s.StoreValues, (int)s.Buffers);
}
