using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using DotnetWorkers.Store;
using DotnetWorkers.Types;
using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// How a store value looks on the server. A <see cref="long"/> is the decimal text Redis keeps
/// counters in, so <c>INCRBY</c> is <c>Increment</c> and <c>redis-cli</c> shows it. Any other
/// value is a zero byte, its type's name (2-byte length, UTF-8) and its MemoryPack bytes: a
/// read as another type is a <see cref="SharedTypeMismatchException"/>, as in the region.
/// </summary>
internal static class StoredValueFormat
{
    private const byte Tagged = 0;  // never the first byte of a decimal counter

    internal static RedisValue Encode<T>(in T value, string parameterName)
    {
        if (typeof(T) == typeof(long))
        {
            return Unsafe.As<T, long>(ref Unsafe.AsRef(in value));
        }

        byte[] name = NameOf<T>.Utf8;
        ReadOnlySpan<byte> payload = ValueSerializer.Serialize(value, parameterName);
        byte[] bytes = new byte[3 + name.Length + payload.Length];
        bytes[0] = Tagged;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), (ushort)name.Length);
        name.CopyTo(bytes.AsSpan(3));
        payload.CopyTo(bytes.AsSpan(3 + name.Length));
        return bytes;
    }

    /// <exception cref="SharedTypeMismatchException">The value was stored as another type than <typeparamref name="T"/>.</exception>
    internal static T Decode<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(RedisValue stored, string key) =>
        Decode<T>(((ReadOnlyMemory<byte>)stored).Span, key);

    /// <inheritdoc cref="Decode{T}(RedisValue, string)"/>
    internal static T Decode<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(ReadOnlySpan<byte> bytes, string key)
    {
        bool tagged = bytes.Length >= 3 && bytes[0] == Tagged;
        if (typeof(T) == typeof(long) && !tagged)
        {
            long counter = long.Parse(Encoding.ASCII.GetString(bytes), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            return Unsafe.As<long, T>(ref counter);
        }

        // The type's name compared as bytes: a read allocates no string for it.
        int nameLength = tagged ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[1..]) : 0;
        if (!tagged || bytes.Length < 3 + nameLength || !bytes.Slice(3, nameLength).SequenceEqual(NameOf<T>.Utf8))
        {
            throw Mismatch<T>(key, TypeNameOf(bytes));
        }

        return ValueSerializer.Deserialize<T>(bytes[(3 + nameLength)..], key);
    }

    private static class NameOf<T>
    {
        internal static readonly byte[] Utf8 = Encoding.UTF8.GetBytes(TypeIdentity<T>.Name);
    }

    /// <summary>The name of the type a stored value was written as.</summary>
    internal static string TypeNameOf(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 3 && bytes[0] == Tagged)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[1..]);
            return bytes.Length >= 3 + nameLength ? Encoding.UTF8.GetString(bytes.Slice(3, nameLength)) : "(a value no dotnet-workers store wrote)";
        }

        // Decimal text: a counter (Increment) or a long (Set), which are one type.
        return TypeIdentity<long>.Name;
    }

    internal static SharedTypeMismatchException Mismatch<T>(string key, string storedName) =>
        new($"The value under '{key}' is {storedName}, not {TypeIdentity<T>.Name}: read it with the type it was stored with.",
            typeof(T), storedName);
}
