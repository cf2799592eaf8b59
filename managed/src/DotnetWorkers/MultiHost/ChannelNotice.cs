using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// The next message on a pub/sub channel, as a task: what the server's waiters (a
/// GetOrSet's, a lock's) wait on besides their poll. Subscribes on the first wait.
/// </summary>
internal sealed class ChannelNotice(HostLink link, RedisChannel channel)
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _subscribed;

    /// <summary>Completes at the next message on the channel after this call (get it before looking at what the message announces).</summary>
    internal Task Next()
    {
        lock (_gate)
        {
            if (!_subscribed)
            {
                _subscribed = true;
                link.Connection.GetSubscriber().Subscribe(channel, (_, _) => Fire());
            }

            return _next.Task;
        }
    }

    /// <summary>The next message, or <paramref name="poll"/>, whichever is first (a notice can be lost; an expiry sends none).</summary>
    internal Task NextOrPoll(TimeSpan poll, CancellationToken cancellationToken) =>
        Task.WhenAny(Next(), Task.Delay(poll, cancellationToken));

    private void Fire()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
    }
}
