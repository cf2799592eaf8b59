using System.Buffers;
using System.Collections.Concurrent;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The serving side of RPC in this process: the implementations it serves, by registry
/// index. It handles the inbox's requests and cancels: each request becomes an
/// <see cref="IncomingCall"/>, work that the scheduling layer runs off the drain, and its
/// result (or exception) goes back to the caller's inbox.
/// </summary>
internal sealed class RpcServer
{
    private readonly ClusterRuntime _runtime;
    private readonly Inboxes _inboxes;
    private readonly Registry _registry;
    private readonly InboxDrain _drain;
    private readonly Served?[] _served = new Served?[Region.RegionLayout.ServiceCapacity];
    private readonly ConcurrentDictionary<(uint Sender, long CallId), CancellationTokenSource> _cancellable = new();
    private readonly Lock _gate = new();
    private int _running;

    internal RpcServer(ClusterRuntime runtime, Inboxes inboxes, Registry registry, InboxDrain drain)
    {
        _runtime = runtime;
        _inboxes = inboxes;
        _registry = registry;
        _drain = drain;
        drain.Handle(MessageKind.Request, OnRequest);
        drain.Handle(MessageKind.Cancel, OnCancel);
    }

    internal sealed record Served(ServiceContract Contract, object Implementation);

    /// <summary>Calls received and not yet answered.</summary>
    internal int Running => Volatile.Read(ref _running);

    /// <summary>Starts serving <paramref name="implementation"/> as <typeparamref name="TService"/>.</summary>
    internal IDisposable Serve<TService>(TService implementation)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(implementation);
        ServiceContract contract = ServiceContract.For(typeof(TService));
        uint index = _registry.IndexOf(ServiceContract.RegistryPrefix + contract.Name);
        lock (_gate)
        {
            if (_served[index] is not null)
            {
                throw new InvalidOperationException($"This process already serves {contract.Name}; dispose the first registration to replace it.");
            }

            _served[index] = new Served(contract, implementation);
        }

        _drain.EnsureStarted();
        _registry.Join(index, true);
        return new Registration(this, index);
    }

    private sealed class Registration(RpcServer server, uint index) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                server._registry.Join(index, false);
                Volatile.Write(ref server._served[index], null);
            }
        }
    }

    /// <summary>
    /// A request arrived (on whichever thread drains the inbox): the call to serve, once the
    /// drain is let go; null if it was answered at once (nothing served here by that name).
    /// </summary>
    private IncomingCall? OnRequest(in MessageHeader header, ReadOnlySpan<byte> payload)
    {
        Served? served = header.Registry < _served.Length ? Volatile.Read(ref _served[header.Registry]) : null;
        if (served is null || header.Method >= served.Contract.Methods.Length)
        {
            Respond(header.Sender, header.CallId, ResponseStatus.NotServed, null, null);
            return null;
        }

        byte[] arguments = ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.CopyTo(arguments);
        Interlocked.Increment(ref _running);
        NativeMethods.CallsInFlightAdd(_runtime.RegionHandle, 1);
        MethodPlan plan = served.Contract.Methods[header.Method];

        // Registered now, not when the call starts: a cancel right behind the request (even
        // in the same drain) must find it.
        CancellationTokenSource? cancellation = null;
        if (plan.CancellationIndex >= 0)
        {
            cancellation = new CancellationTokenSource();
            _cancellable[(header.Sender, header.CallId)] = cancellation;
        }

        return new IncomingCall(this, served, plan, header.Sender, header.CallId, arguments, payload.Length, cancellation);
    }

    /// <summary>The caller gave up on a call (on whichever thread drains the inbox).</summary>
    private InboxWork? OnCancel(in MessageHeader header, ReadOnlySpan<byte> payload)
    {
        if (_cancellable.TryGetValue((header.Sender, header.CallId), out CancellationTokenSource? cancellation))
        {
            try
            {
                _ = cancellation.CancelAsync();  // the method's callbacks run on the thread pool, not here
            }
            catch (ObjectDisposedException)
            {
                // the call ended meanwhile
            }
        }

        return null;
    }

    /// <summary>One request being served.</summary>
    internal sealed class IncomingCall(
        RpcServer server, Served served, MethodPlan plan, uint sender, long callId, byte[] arguments, int length, CancellationTokenSource? cancellation)
        : InboxWork
    {
        /// <summary>
        /// Serves the call and answers the caller. A method that completes synchronously is
        /// answered right here, without any async machinery; one that awaits is finished by
        /// <see cref="FinishAsync"/> wherever what it awaits completes. Never throws: what
        /// goes wrong is the caller's answer.
        /// </summary>
        internal override void Run()
        {
            object? returned;
            object? result;
            Exception? failure;
            try
            {
                object?[] args = plan.ReadArguments(arguments.AsSpan(0, length), cancellation?.Token ?? default);
                ReturnArguments();
                returned = plan.Invoke(served.Implementation, args, cancellation?.Token ?? default);
                if (returned is null)
                {
                    throw new InvalidOperationException($"{plan.DisplayName} returned null instead of a task.");
                }

                if (!plan.Result.TryGetResult(returned, out result, out failure))
                {
                    _ = FinishAsync(returned);
                    return;
                }
            }
            catch (Exception e)
            {
                result = null;
                failure = e;
            }

            Finish(result, failure);
        }

        private async Task FinishAsync(object returned)
        {
            object? result = null;
            Exception? failure = null;
            try
            {
                result = await plan.Result.AwaitAsync(returned).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = e;
            }

            Finish(result, failure);
        }

        /// <summary>Releases what the call held, then answers the caller with its result or failure.</summary>
        private void Finish(object? result, Exception? failure)
        {
            try
            {
                ReturnArguments();
                if (cancellation is not null)
                {
                    // By key and value: a revived sender reuses call ids.
                    server._cancellable.TryRemove(KeyValuePair.Create((sender, callId), cancellation));
                    cancellation.Dispose();
                }

                NativeMethods.CallsInFlightAdd(server._runtime.RegionHandle, -1);
                if (failure is null)
                {
                    try
                    {
                        server.Respond(sender, callId, ResponseStatus.Ok, result, plan.Result);
                        return;
                    }
                    catch (Exception e)
                    {
                        // The result could not be written (MemoryPack does not know its type):
                        // the caller gets that as the call's failure rather than no answer.
                        failure = new DotnetWorkersException($"The result of {plan.DisplayName} could not be sent: {e.Message}", e);
                    }
                }

                server.Respond(sender, callId, ResponseStatus.Error, new RemoteError(failure.GetType().FullName ?? failure.GetType().Name, failure.Message, failure.StackTrace), null);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"dotnet-workers: process {server._runtime.WorkerId} could not answer {plan.DisplayName}: {e.Message}");
            }
            finally
            {
                Interlocked.Decrement(ref server._running);
            }
        }

        private void ReturnArguments()
        {
            if (arguments.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(arguments);
                arguments = [];
            }
        }
    }

    private void Respond(uint caller, long callId, ResponseStatus status, object? result, ResultCodec? codec)
    {
        var header = new MessageHeader
        {
            Kind = MessageKind.Response,
            Status = (byte)status,
            Sender = (uint)_runtime.WorkerId,
            CallId = callId,
        };
        MessageBuffer message = Inboxes.Frame(header, (status, result, codec), static (writer, s) =>
        {
            if (s.status == ResponseStatus.Error)
            {
                MemoryPack.MemoryPackSerializer.Serialize(writer, (RemoteError)s.result!);
            }
            else if (s.status == ResponseStatus.Ok)
            {
                s.codec!.Write(writer, s.result);
            }
        });
        if (_inboxes.TrySend((int)caller, message.Span))
        {
            message.Dispose();
            return;
        }

        _ = SendLaterAsync((int)caller, message);
    }

    /// <summary>The caller's inbox is full: wait for room while the caller lives; a dead caller's answer is dropped.</summary>
    private async Task SendLaterAsync(int caller, MessageBuffer message)
    {
        try
        {
            await _inboxes.SendAsync(caller, 0, message.Memory, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RemoteProcessDiedException)
        {
        }
        finally
        {
            message.Dispose();
        }
    }
}
