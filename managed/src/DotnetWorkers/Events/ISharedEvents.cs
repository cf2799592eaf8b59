using System.Diagnostics.CodeAnalysis;

namespace DotnetWorkers.Events;

/// <summary>
/// Publish/subscribe by topic across processes (<see cref="SharedEvents"/>,
/// <c>Cluster.Events</c>), as an interface: what dependency injection hands out, so code that
/// publishes or subscribes can be tested with a fake.
/// </summary>
public interface ISharedEvents
{
    /// <inheritdoc cref="SharedEvents.PublishAsync{T}(string, T, CancellationToken)"/>
    ValueTask<int> PublishAsync<T>(string topic, T value, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedEvents.Subscribe{T}(string)"/>
    IEventSubscription<T> Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic);

    /// <inheritdoc cref="SharedEvents.Subscribe{T}(string, Func{T, ValueTask})"/>
    IDisposable Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic, Func<T, ValueTask> handler);

    /// <inheritdoc cref="SharedEvents.Subscribe{T}(string, Action{T})"/>
    IDisposable Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic, Action<T> handler);

    /// <inheritdoc cref="SharedEvents.SubscriberCount(string)"/>
    int SubscriberCount(string topic);
}
