using System.Buffers.Binary;
using System.Text;
using DotnetWorkers.Native;

namespace DotnetWorkers.Supervision;

/// <summary>
/// What a cluster's region holds (store keys, buffers, locks, queues, services), read with the
/// library's own readers: by the CLI's <c>inspect</c> through a read-only mapping, and by the
/// dashboard from inside the cluster. Takes no lock and waits on nothing.
/// </summary>
internal static class RegionInspection
{
    /// <summary>objects_layout.h kMutexAbandoned.</summary>
    private const long MutexAbandoned = 0x80000000;

    internal sealed record KeyInfo(string Key, int Bytes, TimeSpan? ExpiresIn);

    internal sealed record BufferInfo(string Name, long Bytes, long References);

    internal sealed record LockInfo(string Name, string Kind, string State, int? Holder, long? PermitsLeft, long Permits, long Waiting);

    internal sealed record QueueInfo(string Name, long Depth, long Capacity, long InlineBytes, bool Completed);

    internal sealed record ServiceInfo(string Kind, string Name, int[] Processes);

    internal static unsafe List<KeyInfo> Keys(nint region, string prefix)
    {
        var keys = new List<KeyInfo>();
        byte[] prefixBytes = Encoding.UTF8.GetBytes(prefix);
        byte[] buffer = new byte[64 * 1024];
        long now = (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));
        ulong cursor = 0;
        while (cursor != ulong.MaxValue)
        {
            uint used, count;
            DwStatus status;
            fixed (byte* p = prefixBytes)
            fixed (byte* b = buffer)
            {
                status = NativeMethods.StoreKeysDetailed(region, p, (uint)prefixBytes.Length, ref cursor, b, (uint)buffer.Length, out used, out count);
            }

            if (status == DwStatus.BufferTooSmall)
            {
                buffer = new byte[buffer.Length * 2];  // one bucket's keys did not fit
                continue;
            }

            NativeErrors.ThrowIfFailed(status, "Listing the store's keys");
            var records = new ReadOnlySpan<byte>(buffer, 0, (int)used);
            for (uint i = 0; i < count; i++)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(records);
                string key = Encoding.UTF8.GetString(records.Slice(4, length));
                int bytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(records[(4 + length)..]);
                long expires = BinaryPrimitives.ReadInt64LittleEndian(records[(8 + length)..]);
                keys.Add(new KeyInfo(key, bytes, expires == 0 ? null : TimeSpan.FromTicks(Math.Max(0, expires - now) / 100)));
                records = records[(16 + length)..];
            }
        }

        return [.. keys.OrderBy(k => k.Key, StringComparer.Ordinal)];
    }

    /// <summary>Every live slot of one table.</summary>
    private static unsafe List<ObjectInfo> Slots(nint region, uint table)
    {
        var slots = new List<ObjectInfo>();
        for (uint index = 0; ; index++)
        {
            ObjectInfo info;
            DwStatus status = NativeMethods.InspectObject(region, table, index, &info);
            if (status == DwStatus.InvalidArgument)
            {
                return slots;  // past the table's end
            }

            if (status == DwStatus.Ok)
            {
                slots.Add(info);
            }
        }
    }

    internal static unsafe List<BufferInfo> Buffers(nint region) =>
        [.. Slots(region, ObjectInfo.Buffers).Select(s => new BufferInfo(s.NameText, (long)s.Values[0], (long)s.Values[1])).OrderBy(b => b.Name, StringComparer.Ordinal)];

    internal static unsafe List<LockInfo> Locks(nint region) =>
    [
        .. Slots(region, ObjectInfo.Locks).Select(s =>
        {
            bool mutex = s.Values[0] == 1;
            long word = (long)s.Values[1];
            bool free = word == 0 || word == MutexAbandoned;  // objects_layout.h: free, or free after its owner died in it
            return mutex
                ? new LockInfo(s.NameText, "mutex", word == 0 ? "free" : free ? "free (its last owner died holding it)" : $"held by process {word - 1}",
                    free ? null : (int)(word - 1), null, 1, (long)s.Values[3])
                : new LockInfo(s.NameText, "semaphore", $"{word} of {s.Values[2]} permits free", null, word, (long)s.Values[2], (long)s.Values[3]);
        }).OrderBy(l => l.Name, StringComparer.Ordinal),
    ];

    internal static unsafe List<QueueInfo> Queues(nint region) =>
        [.. Slots(region, ObjectInfo.Queues).Select(s => new QueueInfo(s.NameText, (long)s.Values[0], (long)s.Values[1], (long)s.Values[2], s.Values[3] != 0)).OrderBy(q => q.Name, StringComparer.Ordinal)];

    internal static unsafe List<ServiceInfo> Services(nint region) =>
    [
        .. Slots(region, ObjectInfo.Services).Select(s =>
        {
            string name = s.NameText;
            (string kind, string shown) = name.StartsWith("rpc:", StringComparison.Ordinal) ? ("rpc", name[4..])
                : name.StartsWith("event:", StringComparison.Ordinal) ? ("topic", name[6..]) : ("other", name);
            var members = new List<int>();
            for (int w = 0; w < 16; w++)
            {
                for (ulong bits = s.Members[w]; bits != 0; bits &= bits - 1)
                {
                    members.Add((w * 64) + System.Numerics.BitOperations.TrailingZeroCount(bits));
                }
            }

            return new ServiceInfo(kind, shown, [.. members]);
        }).OrderBy(s => s.Kind, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal),
    ];
}
