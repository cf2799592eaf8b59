using System.Threading.Channels;

namespace DotnetWorkers.Events;

/// <summary>
/// One subscription to a topic (<see cref="EventSubscription{T}"/>), as an interface a fake
/// can implement over a channel. Dispose it to unsubscribe; enumeration then ends.
/// </summary>
/// <typeparam name="T">The values' type.</typeparam>
public interface IEventSubscription<T> : IAsyncEnumerable<T>, IDisposable
{
    /// <summary>The topic.</summary>
    string Topic { get; }

    /// <summary>The values received and not yet read.</summary>
    ChannelReader<T> Reader { get; }
}
