using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using DotnetWorkers.Native;

namespace DotnetWorkers.Store;

/// <summary>
/// The cluster's keyed store: any MemoryPack-serializable value under a string key, in the
/// shared region, seen by every process at once. There is no server: a Get reads the region
/// directly (without taking any lock), a write locks one of 16384 stripes for a few hundred
/// nanoseconds.
/// </summary>
/// <remarks>
/// <para>Keys are 1 to 1024 bytes of UTF-8. Values are MemoryPack bytes tagged with their
/// type's identity; reading a value as another type than it was stored with throws
/// <see cref="SharedTypeMismatchException"/> naming both types.</para>
/// <para>A process killed at any instruction leaves no torn value and loses no committed
/// update. Every member is thread-safe, in every process.</para>
/// </remarks>
public sealed partial class SharedStore : ISharedStore
{
    private const int StackValueBytes = 256;

    private readonly ClusterRuntime _runtime;

    // Joined across machines (--join): every operation goes to the server instead of the region.
    private readonly MultiHost.RedisStore? _remote;

    internal SharedStore(ClusterRuntime runtime)
    {
        _runtime = runtime;
        _remote = runtime.Link is { } link ? new MultiHost.RedisStore(link) : null;
    }

    private nint Region => _runtime.RegionHandle;

    /// <summary>Values in the store (including expired ones that no operation has removed yet).</summary>
    /// <remarks>Joined across machines, this scans the cluster's keys on the server.</remarks>
    public long Count => _remote?.Count ?? (long)_runtime.ReadMemoryStatistics().StoreValues;

    /// <summary>The value under <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no value under the key (or it expired).</exception>
    /// <exception cref="ArgumentException">The key is null, empty or longer than 1024 bytes of UTF-8.</exception>
    /// <exception cref="SharedTypeMismatchException">The value was stored as another type than <typeparamref name="T"/>.</exception>
    public T Get<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key)
    {
        if (!TryGet(key, out T? value))
        {
            ThrowNotFound(key);
        }

        return value!;
    }

    /// <summary>Reads the value under <paramref name="key"/> if there is one. Allocates nothing for unmanaged values.</summary>
    /// <exception cref="SharedTypeMismatchException">The value was stored as another type than <typeparamref name="T"/>.</exception>
    public unsafe bool TryGet<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, [MaybeNullWhen(false)] out T value)
    {
        if (_remote is not null)
        {
            return _remote.TryGet(key, out value);
        }

        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        byte* small = stackalloc byte[StackValueBytes];
        uint length;
        ulong version, type;
        DwStatus status;
        fixed (byte* kp = k)
        {
            // The common case in one call without a GC transition; anything else (a writer in
            // the way, a value bigger than the stack buffer) through the call that may wait.
            status = NativeMethods.StoreTryGet(Region, kp, (uint)k.Length, small, StackValueBytes, &length, &version, &type);
            if (status == DwStatus.Timeout)
            {
                status = NativeMethods.StoreGet(Region, kp, (uint)k.Length, small, StackValueBytes, &length, &version, &type);
            }

            if (status == DwStatus.Ok)
            {
                CheckType<T>(key, type);
                value = ValueSerializer.Deserialize<T>(new ReadOnlySpan<byte>(small, (int)length), key);
                return true;
            }

            // Bigger than the stack buffer: rent one its size (it may grow again meanwhile).
            while (status == DwStatus.BufferTooSmall)
            {
                byte[] rented = ArrayPool<byte>.Shared.Rent((int)length);
                try
                {
                    fixed (byte* rp = rented)
                    {
                        status = NativeMethods.StoreGet(Region, kp, (uint)k.Length, rp, (uint)rented.Length, &length, &version, &type);
                    }

                    if (status == DwStatus.Ok)
                    {
                        CheckType<T>(key, type);
                        value = ValueSerializer.Deserialize<T>(rented.AsSpan(0, (int)length), key);
                        return true;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        if (status != DwStatus.NotFound)
        {
            NativeErrors.ThrowIfFailed(status, $"Reading '{key}'");
        }

        value = default;
        return false;
    }

    /// <summary>True if there is a value under <paramref name="key"/>.</summary>
    public unsafe bool ContainsKey(string key)
    {
        if (_remote is not null)
        {
            return _remote.ContainsKey(key);
        }

        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        uint length;
        ulong version, type;
        fixed (byte* kp = k)
        {
            DwStatus status = NativeMethods.StoreGet(Region, kp, (uint)k.Length, null, 0, &length, &version, &type);
            if (status is DwStatus.Ok or DwStatus.BufferTooSmall)
            {
                return true;
            }

            if (status != DwStatus.NotFound)
            {
                NativeErrors.ThrowIfFailed(status, $"Reading '{key}'");
            }
        }

        return false;
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, replacing what was there.</summary>
    /// <param name="key">1 to 1024 bytes of UTF-8.</param>
    /// <param name="value">Any MemoryPack-serializable value.</param>
    /// <param name="expiry">If given, the value disappears that long from now.</param>
    /// <exception cref="SharedMemoryExhaustedException">The region has no room for the value.</exception>
    public void Set<T>(string key, T value, TimeSpan? expiry = null)
    {
        if (_remote is not null)
        {
            _remote.Set(key, value, expiry, StackExchange.Redis.When.Always);
            return;
        }

        Write(key, value, NativeMethods.SetAlways, expiry, 0, default, out _);
    }

    /// <summary>Stores <paramref name="value"/> only if the key has no value; returns whether it did.</summary>
    public bool TryAdd<T>(string key, T value, TimeSpan? expiry = null) =>
        _remote?.Set(key, value, expiry, StackExchange.Redis.When.NotExists) ?? Write(key, value, NativeMethods.SetIfAbsent, expiry, 0, default, out _);

    /// <summary>
    /// Replaces the value with <paramref name="replacement"/> only if it currently equals
    /// <paramref name="expected"/> (their MemoryPack bytes are compared); returns whether it did.
    /// </summary>
    public bool CompareExchange<T>(string key, T expected, T replacement)
    {
        if (_remote is not null)
        {
            return _remote.CompareExchange(key, expected, replacement);
        }

        // The expected value is serialized first and copied aside: the per-thread buffer is
        // reused for the replacement.
        byte[] expectedBytes = ValueSerializer.Serialize(expected, nameof(expected)).ToArray();
        return Write(key, replacement, NativeMethods.SetIfEqual, null, 0, expectedBytes, out _);
    }

    /// <summary>Removes the value under <paramref name="key"/>; returns whether there was one.</summary>
    public unsafe bool Remove(string key)
    {
        if (_remote is not null)
        {
            return _remote.Remove(key);
        }

        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        uint removed;
        fixed (byte* kp = k)
        {
            NativeErrors.ThrowIfFailed(NativeMethods.StoreRemove(Region, kp, (uint)k.Length, &removed), $"Removing '{key}'");
        }

        return removed != 0;
    }

    /// <summary>
    /// Atomically adds <paramref name="delta"/> to the 64-bit counter under <paramref name="key"/>
    /// (0 if absent) and returns the new value. Read it back with <c>Get&lt;long&gt;</c>.
    /// </summary>
    /// <exception cref="SharedTypeMismatchException">The key holds a value of another type than <see cref="long"/>.</exception>
    public unsafe long Increment(string key, long delta = 1)
    {
        if (_remote is not null)
        {
            return _remote.Increment(key, delta);
        }

        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        long result;
        ulong existing;
        fixed (byte* kp = k)
        {
            DwStatus status = NativeMethods.StoreIncrement(Region, kp, (uint)k.Length, delta, _runtime.TypeNames.Record<long>(), &result, &existing);
            if (status == DwStatus.TypeMismatch)
            {
                ThrowTypeMismatch<long>(key, existing);
            }

            if (status != DwStatus.Ok)
            {
                NativeErrors.ThrowIfFailed(status, $"Incrementing '{key}'");
            }
        }

        return result;
    }

    /// <summary>Same as <see cref="Increment"/>: adds <paramref name="delta"/> and returns the new value.</summary>
    public long Add(string key, long delta) => Increment(key, delta);

    /// <summary>
    /// Replaces the value under <paramref name="key"/> with <c>update(current)</c>, optimistically:
    /// if another process changed it meanwhile, <paramref name="update"/> runs again on the new
    /// value. Returns what was stored.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no value under the key.</exception>
    /// <exception cref="SharedTypeMismatchException">The value was stored as another type than <typeparamref name="T"/>.</exception>
    public T Update<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<T, T> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_remote is not null)
        {
            return _remote.Update(key, update, default!, addIfMissing: false);
        }

        while (true)
        {
            (T current, ulong version) = ReadWithVersion<T>(key) ?? throw NotFound(key);
            T next = update(current);
            if (Write(key, next, NativeMethods.SetIfVersion, null, version, default, out _))
            {
                return next;
            }
        }
    }

    /// <summary>
    /// Stores <paramref name="addValue"/> if the key has no value, or else <c>update(current)</c>
    /// (optimistically, like <see cref="Update{T}"/>). Returns what was stored.
    /// </summary>
    /// <exception cref="SharedTypeMismatchException">The value was stored as another type than <typeparamref name="T"/>.</exception>
    public T AddOrUpdate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, T addValue, Func<T, T> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_remote is not null)
        {
            return _remote.Update(key, update, addValue, addIfMissing: true);
        }

        while (true)
        {
            (T Value, ulong Version)? read = ReadWithVersion<T>(key);
            if (read is null)
            {
                if (TryAdd(key, addValue))
                {
                    return addValue;
                }

                continue;
            }

            (T current, ulong version) = read.Value;
            T next = update(current);
            if (Write(key, next, NativeMethods.SetIfVersion, null, version, default, out _))
            {
                return next;
            }
        }
    }

    /// <summary>
    /// The keys that start with <paramref name="prefix"/> (all keys for ""), read as the
    /// enumeration goes: keys added or removed meanwhile may or may not be listed; none is
    /// listed twice.
    /// </summary>
    public IEnumerable<string> Keys(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (_remote is not null)
        {
            return _remote.Keys(prefix);
        }

        byte[] prefixBytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        return Enumerate(prefixBytes);
    }

    private IEnumerable<string> Enumerate(byte[] prefix)
    {
        ulong cursor = 0;
        byte[] buffer = new byte[16 * 1024];
        var batch = new List<string>();
        while (cursor != ulong.MaxValue)
        {
            batch.Clear();
            while (!ReadKeys(prefix, ref cursor, buffer, batch))
            {
                buffer = new byte[buffer.Length * 2]; // one bucket's keys did not fit
            }

            foreach (string key in batch)
            {
                yield return key;
            }
        }
    }

    /// <summary>False if one bucket's keys do not fit in <paramref name="buffer"/>.</summary>
    private unsafe bool ReadKeys(byte[] prefix, ref ulong cursor, byte[] buffer, List<string> batch)
    {
        uint used, count;
        ulong next = cursor;
        fixed (byte* pp = prefix)
        fixed (byte* bp = buffer)
        {
            DwStatus status = NativeMethods.StoreKeys(Region, pp, (uint)prefix.Length, &next, bp, (uint)buffer.Length, &used, &count);
            if (status == DwStatus.BufferTooSmall)
            {
                return false;
            }

            NativeErrors.ThrowIfFailed(status, "Listing keys");
        }

        for (int at = 0; at < used;)
        {
            int length = BitConverter.ToInt32(buffer, at);
            batch.Add(System.Text.Encoding.UTF8.GetString(buffer, at + 4, length));
            at += 4 + length;
        }

        cursor = next;
        return true;
    }

    private unsafe (T Value, ulong Version)? ReadWithVersion<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key)
    {
        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        byte[]? buffer = ArrayPool<byte>.Shared.Rent(StackValueBytes);
        try
        {
            while (true)
            {
                uint length;
                ulong version, type;
                DwStatus status;
                fixed (byte* kp = k)
                fixed (byte* bp = buffer)
                {
                    status = NativeMethods.StoreGet(Region, kp, (uint)k.Length, bp, (uint)buffer.Length, &length, &version, &type);
                }

                switch (status)
                {
                    case DwStatus.Ok:
                        CheckType<T>(key, type);
                        return (ValueSerializer.Deserialize<T>(buffer.AsSpan(0, (int)length), key), version);
                    case DwStatus.NotFound:
                        return null;
                    case DwStatus.BufferTooSmall:
                        PooledBuffer.Grow(ref buffer, (int)length);
                        break;
                    default:
                        NativeErrors.ThrowIfFailed(status, $"Reading '{key}'");
                        return null;
                }
            }
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    private unsafe bool Write<T>(string key, T value, uint mode, TimeSpan? expiry, ulong expectedVersion, ReadOnlySpan<byte> expected,
        out ulong version)
    {
        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        long ttl = TtlNanoseconds(expiry);
        ReadOnlySpan<byte> bytes = ValueSerializer.Serialize(value, nameof(value));
        uint applied;
        ulong v;
        fixed (byte* kp = k)
        fixed (byte* vp = bytes)
        fixed (byte* ep = expected)
        {
            var args = new NativeMethods.StoreSetArgs
            {
                Size = (uint)sizeof(NativeMethods.StoreSetArgs),
                Mode = mode,
                Value = vp,
                ValueLength = (uint)bytes.Length,
                ExpectedLength = (uint)expected.Length,
                TtlNs = ttl,
                ExpectedVersion = expectedVersion,
                Expected = ep,
                TypeTag = _runtime.TypeNames.Record<T>(),
            };
            DwStatus status = NativeMethods.StoreSet(Region, kp, (uint)k.Length, &args, &applied, &v);
            if (status != DwStatus.Ok)
            {
                NativeErrors.ThrowIfFailed(status, $"Storing '{key}'");
            }
        }

        version = v;
        return applied != 0;
    }

    private static long TtlNanoseconds(TimeSpan? expiry)
    {
        if (expiry is not { } e)
        {
            return 0;
        }

        if (e <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(expiry), expiry, "An expiry must be positive.");
        }

        return e.Ticks > long.MaxValue / 100 ? long.MaxValue : e.Ticks * 100;
    }

    private static KeyNotFoundException NotFound(string key) => new($"The store has no value under '{key}'.");

    /// <summary>A value read as another type than it was stored with is an error, not garbage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckType<T>(string key, ulong stored)
    {
        if (stored != Types.TypeIdentity<T>.Value)
        {
            ThrowTypeMismatch<T>(key, stored);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTypeMismatch<T>(string key, ulong stored)
    {
        string storedName = _runtime.TypeNames.Describe(stored);
        throw new SharedTypeMismatchException(
            $"The value under '{key}' is {storedName}, not {Types.TypeIdentity<T>.Name}: read it with the type it was stored with.",
            typeof(T), storedName);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotFound(string key) => throw NotFound(key);
}
