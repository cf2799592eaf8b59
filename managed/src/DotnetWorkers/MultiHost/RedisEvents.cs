using System.Buffers.Binary;
using System.Collections.Concurrent;
using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// Events across the hosts of a joined cluster: a topic is also a pub/sub channel on the
/// server. A publisher still writes to the inboxes of its own host's subscribers, and sends
/// one <c>PUBLISH</c> with its host index in front; every subscribed process of every host
/// listens on the channel and delivers what comes from other hosts (its own host's came
/// through the inboxes). Order per publisher holds on each path; delivery stays at most once.
/// </summary>
internal sealed class RedisEvents(HostLink link, Action<uint, ReadOnlySpan<byte>> deliver)
{
    private const int HeaderBytes = 4;  // the publishing host's index

    private readonly ConcurrentDictionary<string, ChannelMessageQueue> _channels = new();

    private RedisChannel Channel(string topic) => RedisChannel.Literal(link.Keys.Prefix + "e:" + topic);

    /// <summary>Listens on the topic's channel (this process's first subscription to it), delivering to registry entry <paramref name="index"/>.</summary>
    /// <exception cref="DotnetWorkersException">The server could not be reached.</exception>
    internal void Listen(string topic, uint index)
    {
        ChannelMessageQueue queue;
        try
        {
            queue = link.Connection.GetSubscriber().Subscribe(Channel(topic));
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            throw link.Failed($"Subscribing to '{topic}'", e);
        }

        queue.OnMessage(message =>
        {
            ReadOnlyMemory<byte> bytes = (ReadOnlyMemory<byte>)message.Message;
            if (bytes.Length >= HeaderBytes && BinaryPrimitives.ReadInt32LittleEndian(bytes.Span) != link.HostIndex)
            {
                deliver(index, bytes.Span[HeaderBytes..]);
            }
        });
        _channels[topic] = queue;
    }

    /// <summary>Stops listening (this process's last subscription to it ended).</summary>
    internal void StopListening(string topic)
    {
        if (_channels.TryRemove(topic, out ChannelMessageQueue? queue))
        {
            queue.Unsubscribe();
        }
    }

    /// <summary>Publishes to the other hosts; returns how many processes of theirs listen (the server's count less this host's <paramref name="localListeners"/>).</summary>
    internal async ValueTask<int> PublishAsync(string topic, ReadOnlyMemory<byte> payload, int localListeners)
    {
        byte[] message = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(message, link.HostIndex);
        payload.Span.CopyTo(message.AsSpan(HeaderBytes));
        long listeners;
        try
        {
            listeners = await link.Connection.GetSubscriber().PublishAsync(Channel(topic), message).ConfigureAwait(false);
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            throw link.Failed($"Publishing to '{topic}'", e);
        }

        return (int)Math.Max(0, listeners - localListeners);
    }

    /// <summary>Processes of every host listening on the topic.</summary>
    internal int Listeners(string topic)
    {
        try
        {
            return (int)link.Server.SubscriptionSubscriberCount(Channel(topic));
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            throw link.Failed($"Counting the subscribers of '{topic}'", e);
        }
    }
}
