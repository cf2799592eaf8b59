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

    /// <summary>
    /// Completes at the next message on the channel after this call (get it before looking at
    /// what the message announces). Subscribes on the first call; if the server cannot be
    /// reached then, the task still completes at the next message of a later subscription,
    /// and the waiters' poll covers the gap.
    /// </summary>
    internal Task Next()
    {
        Task next;
        lock (_gate)
        {
            next = _next.Task;
            if (_subscribed)
            {
                return next;
            }

            _subscribed = true;
        }

        // Outside the lock: the round trip of the subscription holds no other caller up.
        _ = link.Connection.GetSubscriber().SubscribeAsync(channel, (_, _) => Fire()).ContinueWith(
            static (done, notice) =>
            {
                if (!done.IsCompletedSuccessfully)
                {
                    var self = (ChannelNotice)notice!;
                    lock (self._gate)
                    {
                        self._subscribed = false;  // the next wait tries again
                    }
                }
            },
            this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return next;
    }

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
