using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using DotnetWorkers.Messaging;
using DotnetWorkers.Messaging.Inbox;
using MemoryPack;

namespace DotnetWorkers.Events;

/// <summary>
/// Publish/subscribe across the cluster: a value published under a topic reaches every
/// process subscribed to the topic at that moment (the publisher too, if it subscribes),
/// in publish order per publisher.
/// </summary>
/// <remarks>
/// A process subscribes by joining the topic's set in the shared registry; a publisher
/// writes one message into the inbox of each member. Delivery is at most once per
/// subscription: a process that dies loses what was queued for it, and one subscribed
/// after a publish does not see it.
/// </remarks>
public sealed class SharedEvents : ISharedEvents
{
    internal const string RegistryPrefix = "event:";

    private readonly ClusterRuntime _runtime;
    private readonly Inboxes _inboxes;
    private readonly Registry _registry;
    private readonly InboxDrain _drain;
    private readonly ConcurrentDictionary<uint, TopicSubscribers> _topics = new();
    private readonly Lock _gate = new();

    // Joined across machines (--join): topics are also channels on the server.
    private readonly MultiHost.RedisEvents? _remote;

    internal SharedEvents(ClusterRuntime runtime, Inboxes inboxes, Registry registry, InboxDrain drain)
    {
        _runtime = runtime;
        _inboxes = inboxes;
        _registry = registry;
        _drain = drain;
        drain.Handle(MessageKind.Event, OnEvent);
        _remote = runtime.Link is { } link ? new MultiHost.RedisEvents(link, Deliver) : null;
    }

    /// <summary>
    /// Sends <paramref name="value"/> to every process subscribed to <paramref name="topic"/>.
    /// Waits while a subscriber's inbox is full (backpressure).
    /// </summary>
    /// <returns>How many processes it was sent to (joined across machines, the other hosts' as the server counts them).</returns>
    /// <exception cref="ArgumentException">The topic is null, empty or longer than 250 bytes of UTF-8.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting for room.</exception>
    public ValueTask<int> PublishAsync<T>(string topic, T value, CancellationToken cancellationToken = default)
    {
        uint index = TopicIndex<T>(topic);
        _drain.EnsureStarted();
        if (_remote is not null)
        {
            return PublishEverywhereAsync(topic, index, value, cancellationToken);
        }

        // Nobody subscribed (the common case of a shared document nobody observes): no list, no frame, no state machine.
        return _registry.HasMembers(index) ? PublishToMembersAsync(index, value, cancellationToken) : new ValueTask<int>(0);
    }

    private async ValueTask<int> PublishEverywhereAsync<T>(string topic, uint index, T value, CancellationToken cancellationToken)
    {
        int local = _registry.HasMembers(index) ? await PublishToMembersAsync(index, value, cancellationToken).ConfigureAwait(false) : 0;
        return local + await _remote!.PublishAsync(topic, MemoryPackSerializer.Serialize(value), local).ConfigureAwait(false);
    }

    private async ValueTask<int> PublishToMembersAsync<T>(uint index, T value, CancellationToken cancellationToken)
    {
        List<int> subscribers = _registry.MemberIds(index);
        if (subscribers.Count == 0)
        {
            return 0;
        }

        var header = new MessageHeader { Kind = MessageKind.Event, Sender = (uint)_runtime.WorkerId, Registry = index };
        MessageBuffer message = Inboxes.Frame(header, value, static (writer, v) => MemoryPackSerializer.Serialize(writer, v));
        int sent = 0;
        try
        {
            foreach (int id in subscribers)
            {
                try
                {
                    if (!_inboxes.TrySend(id, message.Span))
                    {
                        await _inboxes.SendAsync(id, 0, message.Memory, cancellationToken).ConfigureAwait(false);
                    }

                    sent++;
                }
                catch (RemoteProcessDiedException)
                {
                    // It died after the snapshot: nothing to deliver to.
                }
            }
        }
        finally
        {
            message.Dispose();
        }

        return sent;
    }

    /// <summary>
    /// Subscribes this process to <paramref name="topic"/> now; enumerate the result (once)
    /// to receive the values, and dispose it to unsubscribe. Values wait in an unbounded
    /// local buffer until read.
    /// </summary>
    public EventSubscription<T> Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic)
    {
        uint index = TopicIndex<T>(topic);
        var subscription = new EventSubscription<T>(topic, s => Unsubscribe(topic, index, s));
        Add(topic, index, subscription);
        return subscription;
    }

    IEventSubscription<T> ISharedEvents.Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic) => Subscribe<T>(topic);

    /// <summary>
    /// Subscribes this process to <paramref name="topic"/> and calls <paramref name="handler"/>
    /// for each value, one at a time, on the thread pool. A handler that throws is reported
    /// on stderr and the next value is delivered. Dispose the result to unsubscribe.
    /// </summary>
    public IDisposable Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic, Func<T, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        EventSubscription<T> subscription = Subscribe<T>(topic);
        _ = Task.Run(async () =>
        {
            await foreach (T value in subscription.ConfigureAwait(false))
            {
                try
                {
                    await handler(value).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"dotnet-workers: a handler of topic '{topic}' threw: {e}");
                }
            }
        });
        return subscription;
    }

    /// <summary>As <see cref="Subscribe{T}(string, Func{T, ValueTask})"/>, with a synchronous handler.</summary>
    public IDisposable Subscribe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string topic, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe<T>(topic, value =>
        {
            handler(value);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>How many processes are subscribed to <paramref name="topic"/> now (of every host, joined across machines).</summary>
    public int SubscriberCount(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (_remote is not null)
        {
            return _remote.Listeners(topic);
        }

        return _registry.Find(RegistryPrefix + topic) is { } index ? _registry.MemberIds(index).Count : 0;
    }

    /// <summary>
    /// The topic's entry in the registry: a topic carries one type, the one it was first
    /// used with, in the whole cluster.
    /// </summary>
    private uint TopicIndex<T>(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return _registry.IndexOf(RegistryPrefix + topic, _runtime.TypeNames.Record<T>(), typeof(T), $"The topic '{topic}'");
    }

    private void Add(string topic, uint index, IEventSink sink)
    {
        _drain.EnsureStarted();
        lock (_gate)
        {
            TopicSubscribers subscribers = _topics.GetOrAdd(index, _ => new TopicSubscribers());
            subscribers.Sinks = [.. subscribers.Sinks, sink];
            if (subscribers.Sinks.Length == 1)
            {
                _registry.Join(index, true);
                try
                {
                    _remote?.Listen(topic, index);
                }
                catch
                {
                    // No subscription to give back to the caller: undo the half that was made.
                    subscribers.Sinks = [];
                    _registry.Join(index, false);
                    throw;
                }
            }
        }
    }

    private void Unsubscribe(string topic, uint index, IEventSink sink)
    {
        lock (_gate)
        {
            if (!_topics.TryGetValue(index, out TopicSubscribers? subscribers))
            {
                return;
            }

            subscribers.Sinks = [.. subscribers.Sinks.Where(s => s != sink)];
            if (subscribers.Sinks.Length == 0)
            {
                _registry.Join(index, false);
                _remote?.StopListening(topic);
            }
        }
    }

    /// <summary>
    /// An event arrived (on whichever thread drains the inbox): each local subscription
    /// decodes and buffers it, in arrival order; its readers run elsewhere.
    /// </summary>
    private InboxWork? OnEvent(in MessageHeader header, ReadOnlySpan<byte> payload)
    {
        Deliver(header.Registry, payload);
        return null;
    }

    /// <summary>Hands one event to this process's subscriptions of registry entry <paramref name="index"/>: from an inbox, or from another host.</summary>
    private void Deliver(uint index, ReadOnlySpan<byte> payload)
    {
        if (_topics.TryGetValue(index, out TopicSubscribers? subscribers))
        {
            foreach (IEventSink sink in subscribers.Sinks)
            {
                sink.Deliver(payload);
            }
        }
    }

    private sealed class TopicSubscribers
    {
        internal volatile IEventSink[] Sinks = [];
    }
}
