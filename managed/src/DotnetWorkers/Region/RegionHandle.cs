using System.Runtime.InteropServices;
using DotnetWorkers.Native;

namespace DotnetWorkers.Region;

/// <summary>This process's attachment to a region (a native dw_region*).</summary>
internal sealed class RegionHandle : SafeHandle
{
    internal RegionHandle(nint handle) : base(nint.Zero, ownsHandle: true) => SetHandle(handle);

    /// <summary>For the interop marshaller.</summary>
    public RegionHandle() : base(nint.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == nint.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.RegionClose(handle);
        return true;
    }
}
