using System.Text;
using DotnetWorkers.Native;

namespace DotnetWorkers.Types;

/// <summary>
/// The cluster's table of type names (docs/protocol.md, "Type names"): every process records
/// the types it writes, so that a reader asking for another type is told which one is there.
/// </summary>
internal sealed unsafe class TypeNames
{
    private readonly ClusterRuntime _runtime;

    internal TypeNames(ClusterRuntime runtime) => _runtime = runtime;

    /// <summary>Records <typeparamref name="T"/>'s name for the cluster (once per runtime); returns its identity.</summary>
    internal ulong Record<T>()
    {
        if (!ReferenceEquals(Volatile.Read(ref TypeIdentity<T>.RecordedIn), _runtime))
        {
            RecordSlow(TypeIdentity<T>.Value, TypeIdentity<T>.Name);
            Volatile.Write(ref TypeIdentity<T>.RecordedIn, _runtime);
        }

        return TypeIdentity<T>.Value;
    }

    private void RecordSlow(ulong identity, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            // A full table only makes messages less precise: not worth failing a write for.
            _ = NativeMethods.TypeNameRegister(_runtime.RegionHandle, identity, p, (uint)bytes.Length);
        }
    }

    /// <summary>The name recorded for <paramref name="identity"/>, for a message.</summary>
    internal string Describe(ulong identity)
    {
        if (identity == 0)
        {
            return "untyped bytes";
        }

        Span<byte> buffer = stackalloc byte[Region.RegionLayout.MaxTypeNameLength];
        fixed (byte* p = buffer)
        {
            if (NativeMethods.TypeNameFind(_runtime.RegionHandle, identity, p, (uint)buffer.Length, out uint length) == DwStatus.Ok)
            {
                return Encoding.UTF8.GetString(buffer[..(int)length]);
            }
        }

        return $"a type this cluster has no name for (identity 0x{identity:x16})";
    }
}
