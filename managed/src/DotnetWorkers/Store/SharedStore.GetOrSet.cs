using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using DotnetWorkers.Native;

namespace DotnetWorkers.Store;

// GetOrSet: a value computed once in the whole cluster. A claim says what the key holds, or
// makes this process compute it (then resolve or abandon it); waiters wait on the claims
// watch (ClaimSettled) and claim again.
public sealed partial class SharedStore
{
    /// <summary>
    /// The value under <paramref name="key"/>; if there is none, computes it with
    /// <paramref name="factory"/> <b>once in the whole cluster</b>: every other caller, in any
    /// process, waits for that value (or gets the factory's failure). If the process running
    /// the factory dies or gives up (its token is cancelled), a waiting caller takes over.
    /// </summary>
    /// <param name="key">1 to 1024 bytes of UTF-8.</param>
    /// <param name="factory">Computes the value; receives <paramref name="cancellationToken"/>.</param>
    /// <param name="expiry">If given, the computed value disappears that long after it is stored.</param>
    /// <param name="cancellationToken">Stops waiting (or computing) in this caller only.</param>
    /// <exception cref="SharedComputationException">The factory failed in another process; its type, message and stack are given.</exception>
    /// <exception cref="SharedTypeMismatchException">The value was stored as another type than <typeparamref name="T"/>.</exception>
    public async ValueTask<T> GetOrSetAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<CancellationToken, ValueTask<T>> factory,
        TimeSpan? expiry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_remote is not null)
        {
            return await _remote.GetOrSetAsync(key, factory, expiry, cancellationToken).ConfigureAwait(false);
        }

        ulong waited = 0;
        while (true)
        {
            ulong settled = NativeMethods.StoreClaimsSettled(Region);  // before the claim: one that ends after it moves the count
            Claim claim = TryClaim<T>(key, waited);
            switch (claim.State)
            {
                case NativeMethods.ClaimValue:
                    return (T)claim.Value!;
                case NativeMethods.ClaimFailed:
                    throw claim.Failure!;
                case NativeMethods.ClaimOwned:
                    return await Compute(key, factory, claim, expiry, cancellationToken).ConfigureAwait(false);
                default: // pending in another process: wait until a claim ends, then ask again
                    waited = claim.Round;
                    await _runtime.Messaging.WaitAsync(new ClaimSettled(_runtime, settled), cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <inheritdoc cref="GetOrSetAsync{T}(string, Func{CancellationToken, ValueTask{T}}, TimeSpan?, CancellationToken)"/>
    public ValueTask<T> GetOrSetAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<Task<T>> factory, TimeSpan? expiry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrSetAsync(key, _ => new ValueTask<T>(factory()), expiry, cancellationToken);
    }

    private readonly record struct Claim(uint State, ulong Round, ulong Reference, object? Value, SharedComputationException? Failure);

    private unsafe Claim TryClaim<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, ulong waited)
    {
        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        byte[]? buffer = ArrayPool<byte>.Shared.Rent(StackValueBytes);
        try
        {
            while (true)
            {
                uint length, state;
                ulong round, reference, type;
                DwStatus status;
                fixed (byte* kp = k)
                fixed (byte* bp = buffer)
                {
                    status = NativeMethods.StoreClaim(Region, kp, (uint)k.Length, waited, _runtime.TypeNames.Record<T>(), bp, (uint)buffer.Length,
                        &length, &state, &round, &reference, &type);
                }

                if (status == DwStatus.BufferTooSmall)
                {
                    PooledBuffer.Grow(ref buffer, (int)length);
                    continue;
                }

                NativeErrors.ThrowIfFailed(status, $"GetOrSet of '{key}'");
                if (state == NativeMethods.ClaimValue)
                {
                    CheckType<T>(key, type);
                }

                return state switch
                {
                    NativeMethods.ClaimValue => new Claim(state, round, 0, ValueSerializer.Deserialize<T>(buffer.AsSpan(0, (int)length), key), null),
                    NativeMethods.ClaimFailed => new Claim(state, round, 0, null,
                        SharedComputationException.FromText(key, System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length))),
                    _ => new Claim(state, round, reference, null, null),
                };
            }
        }
        finally
        {
            PooledBuffer.Return(buffer);
        }
    }

    private async ValueTask<T> Compute<T>(string key, Func<CancellationToken, ValueTask<T>> factory, Claim claim,
        TimeSpan? expiry, CancellationToken cancellationToken)
    {
        T value;
        try
        {
            value = await factory(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            TryAbandon(key, claim); // a waiter takes over
            throw;
        }
        catch (Exception e)
        {
            // Tell the waiters; if even that fails, give the claim up so one of them computes
            // it. Either way the caller gets its own exception, not one from the telling.
            try
            {
                byte[] text = System.Text.Encoding.UTF8.GetBytes(SharedComputationException.ToText(e));
                Resolve(key, claim, NativeMethods.ResolveFailed, text, null);
            }
            catch (Exception)
            {
                TryAbandon(key, claim);
            }

            throw;
        }

        try
        {
            Resolve(key, claim, NativeMethods.ResolveValue, ValueSerializer.Serialize(value, "factory's result"), expiry);
        }
        catch
        {
            TryAbandon(key, claim); // the native side already gave it up if there was no room
            throw;
        }

        return value;
    }

    private void TryAbandon(string key, Claim claim)
    {
        try
        {
            Resolve(key, claim, NativeMethods.ResolveAbandoned, default, null);
        }
        catch (DotnetWorkersException)
        {
            // The region is unusable (corrupt): nothing more to give up.
        }
    }

    private unsafe void Resolve(string key, Claim claim, uint outcome, ReadOnlySpan<byte> bytes, TimeSpan? expiry)
    {
        Span<byte> keyBuffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        ReadOnlySpan<byte> k = Utf8Name.Encode(key, keyBuffer, "key", nameof(key));
        long ttl = TtlNanoseconds(expiry);
        fixed (byte* kp = k)
        fixed (byte* bp = bytes)
        {
            NativeErrors.ThrowIfFailed(
                NativeMethods.StoreResolve(Region, kp, (uint)k.Length, claim.Round, claim.Reference, outcome, bp, (uint)bytes.Length, ttl),
                $"Storing the computed value of '{key}'");
        }
    }
}
