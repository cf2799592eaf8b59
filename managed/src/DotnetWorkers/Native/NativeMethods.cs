using System.Runtime.InteropServices;
using DotnetWorkers.Region;

namespace DotnetWorkers.Native;

/// <summary>
/// The C ABI of libdotnetworkers (runtime/include/dotnet_workers/dw.h). Blittable
/// signatures only; strings cross as UTF-8.
/// </summary>
internal static unsafe partial class NativeMethods
{
    /// <summary>
    /// The exact file name, so the runtime finds it in the app's folder at the first try
    /// instead of probing name variants in every search directory (each miss is a failed
    /// dlopen, paid by every process of the cluster at bind).
    /// </summary>
    private const string Library = "libdotnetworkers.so";

    [LibraryImport(Library, EntryPoint = "dw_layout_version")]
    [SuppressGCTransition]
    internal static partial uint LayoutVersion();

    [LibraryImport(Library, EntryPoint = "dw_format_word")]
    [SuppressGCTransition]
    internal static partial uint FormatWord();

    [LibraryImport(Library, EntryPoint = "dw_layout_value")]
    [SuppressGCTransition]
    internal static partial ulong LayoutValue(int which);

    [LibraryImport(Library, EntryPoint = "dw_region_create")]
    internal static partial DwStatus RegionCreate(ulong size, uint workerCount, uint flags, out nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_attach", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DwStatus RegionAttach(string descriptor, out nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_check")]
    internal static partial DwStatus RegionCheck(void* regionBase, ulong size);

    [LibraryImport(Library, EntryPoint = "dw_region_close")]
    internal static partial void RegionClose(nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_base")]
    [SuppressGCTransition]
    internal static partial byte* RegionBase(nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_size")]
    [SuppressGCTransition]
    internal static partial ulong RegionSize(nint region);

    // Calls that take the region take its SafeHandle: the marshaller holds a reference for
    // the duration of the call, so disposing the region cannot free it under a caller
    // (the lifetime thread sleeps inside dw_process_wait).

    [LibraryImport(Library, EntryPoint = "dw_shutdown_request")]
    internal static partial DwStatus ShutdownRequest(RegionHandle region, uint reason);

    [LibraryImport(Library, EntryPoint = "dw_process_mark_ready")]
    internal static partial DwStatus ProcessMarkReady(RegionHandle region, uint id, uint pid);

    /// <summary>Blocks in the kernel (futex): never call with SuppressGCTransition.</summary>
    [LibraryImport(Library, EntryPoint = "dw_process_wait")]
    internal static partial DwStatus ProcessWait(RegionHandle region, uint id, long timeoutMs, out uint state);

    [LibraryImport(Library, EntryPoint = "dw_process_stop")]
    internal static partial DwStatus ProcessStop(RegionHandle region, uint id);

    [LibraryImport(Library, EntryPoint = "dw_last_error")]
    internal static partial byte* LastError();

    /// <summary>The calling thread's message for its last failed call.</summary>
    internal static string LastErrorMessage()
    {
        byte* message = LastError();
        return message is null ? string.Empty : Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
    }
}
