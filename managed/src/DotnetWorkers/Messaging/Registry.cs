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
    /// <summary>service_layout.h kAnyType: find an entry of any type, create none.</summary>
    private const ulong AnyType = ulong.MaxValue;

    private readonly ClusterRuntime _runtime;
    private readonly ConcurrentDictionary<(string Name, ulong TypeTag), uint> _indexes = new();

    internal Registry(ClusterRuntime runtime) => _runtime = runtime;

    /// <summary>The entry for <paramref name="name"/> (an RPC service: untyped), created on first use.</summary>
    internal uint IndexOf(string name) => IndexOf(name, 0, null, null);

    /// <summary>
    /// The entry for <paramref name="name"/>, whose members exchange values of
    /// <paramref name="valueType"/> (identity <paramref name="typeTag"/>), created on first
    /// use. Throws <see cref="SharedTypeMismatchException"/> if it was created for another
    /// type; <paramref name="what"/> names the entry in that message.
    /// </summary>
    internal uint IndexOf(string name, ulong typeTag, Type? valueType, string? what)
    {
        if (_indexes.TryGetValue((name, typeTag), out uint index))
        {
            return index;
        }

        int length = Encoding.UTF8.GetByteCount(name);
        if (length > RegionLayout.MaxServiceNameLength)
        {
            throw new ArgumentException($"'{name}' is longer than {RegionLayout.MaxServiceNameLength} bytes of UTF-8.");
        }

        DwStatus status = Open(name, typeTag, out index, out ulong existing);
        if (status == DwStatus.TypeMismatch)
        {
            string stored = _runtime.TypeNames.Describe(existing);
            string asked = valueType is null ? "untyped values" : Types.TypeIdentity.NameOf(valueType);
            throw new SharedTypeMismatchException($"{what ?? $"'{name}'"} carries {stored}, not {asked}.", valueType ?? typeof(object), stored);
        }

        NativeErrors.ThrowIfFailed(status, $"Registering '{name}'");
        _indexes[(name, typeTag)] = index;
        return index;
    }

    /// <summary>The entry for <paramref name="name"/> whatever its type, if there is one; none is created.</summary>
    internal uint? Find(string name)
    {
        DwStatus status = Open(name, AnyType, out uint index, out _);
        if (status == DwStatus.NotFound)
        {
            return null;
        }

        NativeErrors.ThrowIfFailed(status, $"Looking up '{name}'");
        return index;
    }

    private DwStatus Open(string name, ulong typeTag, out uint index, out ulong existingTypeTag)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            return NativeMethods.ServiceOpen(_runtime.RegionHandle, p, (uint)bytes.Length, typeTag, out index, out existingTypeTag);
        }
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

    /// <summary>True if the set has any member.</summary>
    internal bool HasMembers(uint index)
    {
        Span<ulong> members = stackalloc ulong[16];
        Members(index, members);
        return members.IndexOfAnyExcept(0UL) >= 0;
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
