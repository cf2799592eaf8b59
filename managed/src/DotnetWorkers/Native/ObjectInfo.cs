using System.Runtime.InteropServices;

namespace DotnetWorkers.Native;

/// <summary>dw.h dw_object_info: one slot of a named-object table, as dw_inspect_object copies it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ObjectInfo
{
    /// <summary>dw.h DW_INSPECT_*.</summary>
    internal const uint Buffers = 1;
    internal const uint Locks = 2;
    internal const uint Queues = 3;
    internal const uint Services = 4;

    internal uint Table;
    internal uint NameLength;
    internal fixed ulong Values[4];
    internal fixed ulong Members[16];
    internal fixed byte Name[256];

    internal readonly string NameText
    {
        get
        {
            fixed (byte* name = Name)
            {
                return System.Text.Encoding.UTF8.GetString(name, (int)Math.Min(NameLength, 256));
            }
        }
    }
}
