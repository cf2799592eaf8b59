using System.Collections.Concurrent;
using System.Text;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Messaging;

/// <summary>
/// The shared table of names to sets of processes (docs/protocol.md, "Services"): which
/// processes serve an RPC service ("rpc:" + interface name), which subscribe to a topic
/// ("event:" + topic). The launcher removes a dead process from every set.
/// </summary>
internal sealed unsafe class Registry
{
    private readonly ClusterRuntime _runtime;
    private readonly ConcurrentDictionary<string, uint> _indexes = new(StringComparer.Ordinal);

    internal Registry(ClusterRuntime runtime) => _runtime = runtime;

    /// <summary>The entry for <paramref name="name"/>, created on first use.</summary>
    internal uint IndexOf(string name)
    {
        if (_indexes.TryGetValue(name, out uint index))
        {
            return index;
        }

        int length = Encoding.UTF8.GetByteCount(name);
        if (length > RegionLayout.MaxServiceNameLength)
        {
            throw new ArgumentException($"'{name}' is longer than {RegionLayout.MaxServiceNameLength} bytes of UTF-8.");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            NativeErrors.ThrowIfFailed(NativeMethods.ServiceOpen(_runtime.RegionHandle, p, (uint)bytes.Length, out index), $"Registering '{name}'");
        }

        _indexes[name] = index;
        return index;
    }

    /// <summary>This process joins (or leaves) the set.</summary>
    internal void Join(uint index, bool join) =>
        NativeErrors.ThrowIfFailed(NativeMethods.ServiceServe(_runtime.RegionHandle, index, join ? 1u : 0u), "Updating the service registry");

    /// <summary>The members, as 16 words of bits (bit id % 64 of word id / 64).</summary>
    internal void Members(uint index, Span<ulong> members)
    {
        fixed (ulong* p = members)
        {
            NativeErrors.ThrowIfFailed(NativeMethods.ServiceServers(_runtime.RegionHandle, index, p), "Reading the service registry");
        }
    }

    /// <summary>The members' ids, ascending.</summary>
    internal List<int> MemberIds(uint index)
    {
        Span<ulong> members = stackalloc ulong[16];
        Members(index, members);
        var ids = new List<int>();
        for (int w = 0; w < 16; w++)
        {
            ulong bits = members[w];
            while (bits != 0)
            {
                int bit = System.Numerics.BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                ids.Add((w * 64) + bit);
            }
        }

        return ids;
    }
}
