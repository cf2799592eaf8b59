using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;
using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The calling side of RPC in this process: picks a serving process, sends the request to
/// its inbox, and completes the call when the response comes back through this process's
/// inbox (it handles the inbox's responses), the target dies (a check after every ring of
/// the doorbell), the call times out or is cancelled.
/// </summary>
internal sealed class RpcClient
{
    private readonly ClusterRuntime _runtime;
    private readonly Inboxes _inboxes;
    private readonly Registry _registry;
    private readonly InboxDrain _drain;
    private readonly InboxPoller _poller;
    private readonly PendingCalls _pending = new();
    private readonly Func<PendingCall, bool> _targetIsGone;
    private readonly int[] _pendingPerTarget = new int[Region.RegionLayout.ProcessCapacity];
    private readonly ServerSet?[] _servers = new ServerSet?[Region.RegionLayout.ServiceCapacity];
    private readonly ConcurrentDictionary<(int Id, uint Pid), string> _roles = new();
    private int _rotation;

    internal RpcClient(ClusterRuntime runtime, Inboxes inboxes, Registry registry, InboxDrain drain, InboxPoller poller)
    {
        _runtime = runtime;
        _inboxes = inboxes;
        _registry = registry;
        _drain = drain;
        _poller = poller;
        _targetIsGone = pending => !_runtime.IsAlive(pending.Target, pending.TargetPid);
        drain.Handle(MessageKind.Response, OnResponse);
        drain.AfterEveryRing(FailCallsToDeadProcesses);
    }

    /// <summary>A proxy of <typeparamref name="TService"/> for <paramref name="target"/> (Cluster.Proxy).</summary>
    internal TService Proxy<TService>(RpcTarget target, TimeSpan? timeout)
        where TService : class
    {
        ServiceContract contract = ServiceContract.For<TService>();
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan && (t <= TimeSpan.Zero || t.TotalMilliseconds > int.MaxValue - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), $"A call timeout is positive and at most {TimeSpan.FromMilliseconds(int.MaxValue - 1)} (or Timeout.InfiniteTimeSpan).");
        }

        uint service = _registry.IndexOf(ServiceContract.RegistryPrefix + contract.Name);
        return contract.CreateProxy<TService>(new RpcProxyOptions(this, contract, service, target, timeout));
    }

    /// <summary>Calls every current server concurrently; results by process id (Cluster.CallAllAsync).</summary>
    internal async Task<IReadOnlyList<TResult>> CallAllAsync<TService, TResult>(Func<TService, Task<TResult>> call, TimeSpan? timeout)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(call);
        List<int> servers = ServersOf(typeof(TService));
        if (servers.Count == 0)
        {
            string name = ServiceContract.NameOf(typeof(TService));
            throw new ServiceNotFoundException(name, $"No process serves {name}.");
        }

        return await Task.WhenAll(servers.Select(id => call(Proxy<TService>(RpcTarget.Worker(id), timeout)))).ConfigureAwait(false);
    }

    internal List<int> ServersOf(Type service)
    {
        return _registry.MemberIds(_registry.IndexOf(ServiceContract.RegistryPrefix + ServiceContract.NameOf(service)));
    }

    internal async Task WaitForServersAsync(Type service, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        while (ServersOf(service).Count < count)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts a call of <paramref name="plan"/> with <paramref name="args"/>, which
    /// <paramref name="write"/> writes into the request. Failures to start it (no server, a
    /// dead target, cancellation) come back in the task, as from an async method. A call
    /// without a cancellation token or timeout whose request fits in the inbox returns the
    /// pending call's own task: no state machine between the answer and the caller's continuation.
    /// </summary>
    internal Task<T> CallAsync<TArgs, T>(RpcProxyOptions options, MethodPlan plan, TArgs args, Action<IBufferWriter<byte>, TArgs> write, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        long callId = 0;
        try
        {
            _drain.EnsureStarted();
            (int target, uint pid) = PickTarget(options);
            var pending = new PendingCall<T>(target, pid, plan, ResultFormat<T>.Read);
            callId = _pending.Add(pending);

            Interlocked.Increment(ref _pendingPerTarget[target]);
            var header = new MessageHeader
            {
                Kind = MessageKind.Request,
                Method = plan.Id,
                Sender = (uint)_runtime.WorkerId,
                CallId = callId,
                Registry = options.Service,
            };
            MessageBuffer message = Inboxes.Frame(header, (write, args), static (writer, s) => s.write(writer, s.args));
            bool sent;
            try
            {
                sent = _inboxes.TrySend(target, message.Span);
            }
            catch
            {
                message.Dispose();
                throw;
            }

            if (!sent)
            {
                return CompleteAsync(options, pending, callId, message, cancellationToken);  // it disposes the message
            }

            message.Dispose();
            if (!ChainRunner.IsCurrentThread)
            {
                _poller.PollUntil(pending);  // a chain runner polls once the item it runs returns
            }

            if (!cancellationToken.CanBeCanceled && options.Timeout is null)
            {
                return pending.Task;  // the answer, or the target's death, removes it from the table
            }

            return CompleteAsync(options, pending, callId, null, cancellationToken);
        }
        catch (Exception e)
        {
            Forget(callId);
            return Task.FromException<T>(e);
        }
    }

    /// <summary>
    /// The rest of a call that waits for room in the target's inbox (<paramref name="unsent"/>),
    /// or is bounded by a timeout or cancellation. The timeout covers both waits, from the
    /// start of the call: a live target that stopped reading its inbox must not hold a caller
    /// with a timeout forever.
    /// </summary>
    private async Task<T> CompleteAsync<T>(RpcProxyOptions options, PendingCall<T> pending, long callId, MessageBuffer? unsent, CancellationToken cancellationToken)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        TimeSpan timeout = options.Timeout ?? Timeout.InfiniteTimeSpan;
        try
        {
            if (unsent is not null)
            {
                using CancellationTokenSource? bound = timeout == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bound?.CancelAfter(timeout);
                try
                {
                    await _inboxes.SendAsync(pending.Target, pending.TargetPid, unsent.Memory, bound?.Token ?? cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (bound is not null)
                {
                    cancellationToken.ThrowIfCancellationRequested();  // the caller's own token, not the linked one
                    throw new TimeoutException(
                        $"{pending.Plan.DisplayName} on process {pending.Target} did not answer within {options.Timeout}: its inbox stayed full, the call was not sent.");
                }
                finally
                {
                    unsent.Dispose();
                }

                if (!ChainRunner.IsCurrentThread)
                {
                    _poller.PollUntil(pending);
                }
            }

            Task<T> task = pending.Task;
            if (!cancellationToken.CanBeCanceled && options.Timeout is null)
            {
                return await task.ConfigureAwait(false);
            }

            if (timeout != Timeout.InfiniteTimeSpan)
            {
                TimeSpan left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                timeout = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }

            try
            {
                return await task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!task.IsCompleted)
            {
                SendCancel(pending.Target, callId);
                throw new TimeoutException($"{pending.Plan.DisplayName} on process {pending.Target} did not answer within {options.Timeout}.");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
            {
                SendCancel(pending.Target, callId);
                throw;
            }
        }
        finally
        {
            Forget(callId);
        }
    }

    /// <summary>A response arrived (on whichever thread drains the inbox): the call it settled, to publish once the drain is let go.</summary>
    private PendingCall? OnResponse(in MessageHeader header, ReadOnlySpan<byte> payload)
    {
        if (!TryRemovePending(header.CallId, out PendingCall? pending))
        {
            return null;  // the caller gave up on it (timeout, cancellation)
        }

        Interlocked.Decrement(ref _pendingPerTarget[pending.Target]);
        pending.Settle((ResponseStatus)header.Status, payload);
        return pending;
    }

    /// <summary>
    /// Settles the calls whose target is no longer running as failed (after every ring of the
    /// doorbell: the launcher rings every process when one dies); returns them, to publish
    /// off the lifetime thread.
    /// </summary>
    private InboxWork? FailCallsToDeadProcesses()
    {
        InboxWork? failed = _pending.RemoveWhere(_targetIsGone);
        for (InboxWork? work = failed; work is not null; work = work.Next)
        {
            var pending = (PendingCall)work;
            Interlocked.Decrement(ref _pendingPerTarget[pending.Target]);
            pending.SettleFailed(new RemoteProcessDiedException(pending.Target, $"it ended before answering {pending.Plan.DisplayName}"));
        }

        return failed;
    }

    private void Forget(long callId)
    {
        if (callId != 0 && TryRemovePending(callId, out PendingCall? pending))
        {
            Interlocked.Decrement(ref _pendingPerTarget[pending.Target]);
        }
    }

    private bool TryRemovePending(long callId, [NotNullWhen(true)] out PendingCall? pending) => _pending.TryRemove(callId, out pending);

    private void SendCancel(int target, long callId)
    {
        var header = new MessageHeader { Kind = MessageKind.Cancel, Sender = (uint)_runtime.WorkerId, CallId = callId };
        using MessageBuffer message = Inboxes.Frame(header, 0, static (_, _) => { });
        _inboxes.TrySend(target, message.Span);  // best effort: a full inbox means a busy server; the call is over for us anyway
    }

    /// <summary>The process the next call goes to, and its pid (to tell a revived process from the one called).</summary>
    private (int Id, uint Pid) PickTarget(RpcProxyOptions options)
    {
        RpcTarget target = options.Target;
        ServerSet servers = ServersNow(options.Service);
        string service = options.Contract.Name;
        if (target.Kind == RpcTargetKind.Worker)
        {
            int id = target.WorkerId;
            if (!_runtime.IsAlive(id, 0))
            {
                throw new RemoteProcessDiedException(id, $"cannot call {service}");
            }

            if (!servers.Contains(id))
            {
                throw new ServiceNotFoundException(service, $"Process {id} does not serve {service}.");
            }

            return (id, _runtime.Region.ProcessPid(id));
        }

        // The least busy server; among equals, the first after a rotating start. A lone
        // server needs no load reading (the count is a cache line other processes write).
        int[] ids = servers.Ids;
        if (target.Kind == RpcTargetKind.Any && ids.Length == 1)
        {
            return (ids[0], _runtime.Region.ProcessPid(ids[0]));
        }

        int best = -1;
        ulong bestKey = ulong.MaxValue;
        int start = Interlocked.Increment(ref _rotation);
        foreach (int id in ids)
        {
            if (target.Kind == RpcTargetKind.Role && RoleOf(id) != target.Role)
            {
                continue;
            }

            // The server's own count plus this process's calls on their way to it.
            ulong load = NativeMethods.CallsInFlight(_runtime.RegionHandle, (uint)id) + (uint)Volatile.Read(ref _pendingPerTarget[id]);
            ulong key = (load << 10) | (uint)((id - start) & 1023);
            if (key < bestKey)
            {
                best = id;
                bestKey = key;
            }
        }

        if (best < 0)
        {
            throw new ServiceNotFoundException(service, target.Kind == RpcTargetKind.Role
                ? $"No process with role '{target.Role}' serves {service}."
                : $"No process serves {service}: call Cluster.Serve<{options.Contract.Type.Name}>(...) in one (Cluster.WaitForServersAsync waits for it).");
        }

        return (best, _runtime.Region.ProcessPid(best));
    }

    /// <summary>The servers of registry entry <paramref name="service"/>: the set read last, unless the entry changed since.</summary>
    private ServerSet ServersNow(uint service)
    {
        ulong generation = _runtime.Region.ServiceGeneration(service);
        ServerSet? known = Volatile.Read(ref _servers[service]);
        if (known is not null && known.Generation == generation)
        {
            return known;
        }

        ServerSet read = ServerSet.Read(_registry, service, generation);
        Volatile.Write(ref _servers[service], read);
        return read;
    }

    private string RoleOf(int id)
    {
        uint pid = _runtime.Region.ProcessPid(id);
        return _roles.GetOrAdd((id, pid), static (key, region) => region.ReadProcess(key.Id)?.Role ?? "", _runtime.Region);
    }
}
