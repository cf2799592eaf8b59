using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using DotnetWorkers.Messaging;
using MemoryPack;

namespace DotnetWorkers.Events;

/// <summary>
/// One subscription to a topic: the values published from the moment it was made, as an
/// <see cref="IAsyncEnumerable{T}"/>. Dispose it to unsubscribe; enumeration then ends.
/// </summary>
/// <typeparam name="T">The values' type: what publishers pass, serialized with MemoryPack.</typeparam>
public sealed class EventSubscription<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T> : IEventSubscription<T>, IEventSink
{
    private readonly Channel<T> _values = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Action<EventSubscription<T>> _unsubscribe;
    private int _disposed;

    internal EventSubscription(string topic, Action<EventSubscription<T>> unsubscribe)
    {
        Topic = topic;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The topic.</summary>
    public string Topic { get; }

    /// <summary>The values received and not yet read.</summary>
    public ChannelReader<T> Reader => _values.Reader;

    void IEventSink.Deliver(ReadOnlySpan<byte> payload)
    {
        T? value;
        try
        {
            value = MemoryPackSerializer.Deserialize<T>(payload);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"dotnet-workers: an event of topic '{Topic}' is not a {typeof(T).Name}: {e.Message}");
            return;
        }

        _values.Writer.TryWrite(value!);
    }

    /// <inheritdoc />
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _values.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Unsubscribes; values already received can still be read, then enumeration ends.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _unsubscribe(this);
            _values.Writer.TryComplete();
        }
    }
}
