using System.Buffers;
using System.Collections.Concurrent;
using DotnetWorkers.Native;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The serving side of RPC in this process: the implementations it serves, by registry
/// index. The dispatcher hands it requests; each runs on the thread pool, and its result
/// (or exception) goes back to the caller's inbox.
/// </summary>
internal sealed class RpcServer
{
    private readonly ClusterRuntime _runtime;
    private readonly Dispatcher _dispatcher;
    private readonly Served?[] _served = new Served?[Region.RegionLayout.ServiceCapacity];
    private readonly ConcurrentDictionary<(uint Sender, long CallId), CancellationTokenSource> _cancellable = new();
    private readonly Lock _gate = new();
    private int _running;

    internal RpcServer(ClusterRuntime runtime, Dispatcher dispatcher)
    {
        _runtime = runtime;
        _dispatcher = dispatcher;
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
        uint index = _dispatcher.Registry.IndexOf(ServiceContract.RegistryPrefix + contract.Name);
        lock (_gate)
        {
            if (_served[index] is not null)
            {
                throw new InvalidOperationException($"This process already serves {contract.Name}; dispose the first registration to replace it.");
            }

            _served[index] = new Served(contract, implementation);
        }

        _dispatcher.EnsureStarted();
        _dispatcher.Registry.Join(index, true);
        return new Registration(this, index);
    }

    private sealed class Registration(RpcServer server, uint index) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                server._dispatcher.Registry.Join(index, false);
                Volatile.Write(ref server._served[index], null);
            }
        }
    }

    /// <summary>
    /// A request arrived (on whichever thread drains the inbox): the call to serve, once the
    /// drain is let go (<see cref="ServeOnThreadPool"/>, or by a thread that polled for it);
    /// null if it was answered at once (nothing served here by that name).
    /// </summary>
    internal IncomingCall? OnRequest(in MessageHeader header, ReadOnlySpan<byte> payload)
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

    /// <summary>Serves a chain of requests on the thread pool (threads that must not run user code).</summary>
    internal static void ServeOnThreadPool(IncomingCall? first)
    {
        if (first is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static call => _ = call.RunAsync(), first, preferLocal: false);
        }
    }

    /// <summary>The caller gave up on a call (dispatcher thread).</summary>
    internal void OnCancel(in MessageHeader header)
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
    }

    /// <summary>One request being served.</summary>
    internal sealed class IncomingCall(
        RpcServer server, Served served, MethodPlan plan, uint sender, long callId, byte[] arguments, int length, CancellationTokenSource? cancellation)
        : ChainItem<IncomingCall>
    {
        /// <summary>
        /// Serves this call and the ones chained to it (a <see cref="RequestChain"/>), then,
        /// while calls keep coming, the next chains on the same thread. It stops after a call
        /// that finished asynchronously: see <see cref="RequestChain.RunAsync"/>.
        /// </summary>
        internal async Task RunAsync()
        {
            for (IncomingCall? first = this; first is not null; first = server._dispatcher.PollForRequest())
            {
                if (first.Next is not null)
                {
                    if (!await new RequestChain(first).RunAsync().ConfigureAwait(false))
                    {
                        return;  // a helper goes on with the chain
                    }

                    continue;
                }

                Task serving = first.ServeAsync();
                bool synchronous = serving.IsCompleted;
                await serving.ConfigureAwait(false);
                if (!synchronous)
                {
                    return;
                }
            }
        }

        internal async Task ServeAsync()
        {
            try
            {
                (object? result, RemoteError? error) = await InvokeAsync().ConfigureAwait(false);
                if (error is not null)
                {
                    server.Respond(sender, callId, ResponseStatus.Error, error, null);
                }
                else
                {
                    server.Respond(sender, callId, ResponseStatus.Ok, result, plan.Result);
                }
            }
            finally
            {
                Interlocked.Decrement(ref server._running);
            }
        }

        private async Task<(object? Result, RemoteError? Error)> InvokeAsync()
        {
            try
            {
                object?[] args = plan.ReadArguments(arguments.AsSpan(0, length), cancellation?.Token ?? default);
                ArrayPool<byte>.Shared.Return(arguments);
                arguments = [];
                object returned = plan.Invoke(served.Implementation, args, cancellation?.Token ?? default);
                return (await plan.Result.AwaitAsync(returned).ConfigureAwait(false), null);
            }
            catch (Exception e)
            {
                return (null, new RemoteError(e.GetType().FullName ?? e.GetType().Name, e.Message, e.StackTrace));
            }
            finally
            {
                if (arguments.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(arguments);
                }

                if (cancellation is not null)
                {
                    // By key and value: a revived sender reuses call ids.
                    server._cancellable.TryRemove(KeyValuePair.Create((sender, callId), cancellation));
                    cancellation.Dispose();
                }

                NativeMethods.CallsInFlightAdd(server._runtime.RegionHandle, -1);
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
        if (_dispatcher.Inboxes.TrySend((int)caller, message.Span))
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
            await _dispatcher.Inboxes.SendAsync(caller, 0, message.Memory, CancellationToken.None).ConfigureAwait(false);
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
