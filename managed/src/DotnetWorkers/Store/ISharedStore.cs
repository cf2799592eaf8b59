using System.Diagnostics.CodeAnalysis;

namespace DotnetWorkers.Store;

/// <summary>
/// The keyed store every process shares (<see cref="SharedStore"/>, <c>Cluster.Store</c>),
/// as an interface: what dependency injection hands out (<c>AddDotnetWorkers()</c>), so code
/// that uses the store can be tested with a fake.
/// </summary>
public interface ISharedStore
{
    /// <inheritdoc cref="SharedStore.Count"/>
    long Count { get; }

    /// <inheritdoc cref="SharedStore.Get{T}(string)"/>
    T Get<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key);

    /// <inheritdoc cref="SharedStore.TryGet{T}(string, out T)"/>
    bool TryGet<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, [MaybeNullWhen(false)] out T value);

    /// <inheritdoc cref="SharedStore.ContainsKey(string)"/>
    bool ContainsKey(string key);

    /// <inheritdoc cref="SharedStore.Set{T}(string, T, TimeSpan?)"/>
    void Set<T>(string key, T value, TimeSpan? expiry = null);

    /// <inheritdoc cref="SharedStore.TryAdd{T}(string, T, TimeSpan?)"/>
    bool TryAdd<T>(string key, T value, TimeSpan? expiry = null);

    /// <inheritdoc cref="SharedStore.CompareExchange{T}(string, T, T)"/>
    bool CompareExchange<T>(string key, T expected, T replacement);

    /// <inheritdoc cref="SharedStore.Remove(string)"/>
    bool Remove(string key);

    /// <inheritdoc cref="SharedStore.Increment(string, long)"/>
    long Increment(string key, long delta = 1);

    /// <inheritdoc cref="SharedStore.Update{T}(string, Func{T, T})"/>
    T Update<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<T, T> update);

    /// <inheritdoc cref="SharedStore.AddOrUpdate{T}(string, T, Func{T, T})"/>
    T AddOrUpdate<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, T addValue, Func<T, T> update);

    /// <inheritdoc cref="SharedStore.Keys(string)"/>
    IEnumerable<string> Keys(string prefix = "");

    /// <inheritdoc cref="SharedStore.GetOrSetAsync{T}(string, Func{CancellationToken, ValueTask{T}}, TimeSpan?, CancellationToken)"/>
    ValueTask<T> GetOrSetAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<CancellationToken, ValueTask<T>> factory,
        TimeSpan? expiry = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedStore.GetOrSetAsync{T}(string, Func{Task{T}}, TimeSpan?, CancellationToken)"/>
    ValueTask<T> GetOrSetAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<Task<T>> factory, TimeSpan? expiry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return GetOrSetAsync(key, _ => new ValueTask<T>(factory()), expiry, cancellationToken);
    }
}
