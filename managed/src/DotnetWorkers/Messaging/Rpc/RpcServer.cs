using System.Buffers;
using System.Collections.Concurrent;
using DotnetWorkers.Generated;
using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Messaging.Scheduling;
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
        ServiceContract contract = ServiceContract.For<TService>();
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
            Respond(header.Sender, header.CallId, ResponseStatus.NotServed, default(NoResult), ResultFormat<NoResult>.Write);
            return null;
        }

        byte[] arguments = ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.CopyTo(arguments);
        Interlocked.Increment(ref _running);
        NativeMethods.CallStarted(_runtime.RegionHandle);
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
        private int _answered;

        /// <summary>
        /// Serves the call: the contract's invoker reads the arguments, calls the method and
        /// hands what it returned to one of the <c>Return</c> methods, which answer the
        /// caller (at once if the task has completed, without any async machinery). Never
        /// throws: what goes wrong is the caller's answer.
        /// </summary>
        internal override void Run()
        {
            try
            {
                served.Contract.Invoker.Invoke(served.Implementation, plan, arguments.AsSpan(0, length), cancellation?.Token ?? default, new RpcReply(this));
            }
            catch (Exception e)
            {
                Fail(e);
            }
            finally
            {
                // The invoker read the arguments before the method ran: a long call need not hold the buffer.
                if (arguments.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(arguments);
                    arguments = [];
                }
            }
        }

        internal void Return<T>(Task<T>? task)
        {
            if (task is null)
            {
                Fail(NullTask());
            }
            else if (task.IsCompletedSuccessfully)
            {
                Answer(task.Result);
            }
            else
            {
                _ = AnswerWhenDone(task);
            }
        }

        internal void Return(Task? task)
        {
            if (task is null)
            {
                Fail(NullTask());
            }
            else if (task.IsCompletedSuccessfully)
            {
                Answer(default(NoResult));
            }
            else
            {
                _ = AnswerWhenDone(task);
            }
        }

        internal void Return<T>(ValueTask<T> task)
        {
            if (task.IsCompletedSuccessfully)
            {
                Answer(task.Result);
            }
            else
            {
                _ = AnswerWhenDone(task.AsTask());  // consumed once, here; the wrapper only on the path that waits anyway
            }
        }

        internal void Return(ValueTask task)
        {
            if (task.IsCompletedSuccessfully)
            {
                Answer(default(NoResult));
            }
            else
            {
                _ = AnswerWhenDone(task.AsTask());
            }
        }

        private Exception NullTask() => new InvalidOperationException($"{plan.DisplayName} returned null instead of a task.");

        private async Task AnswerWhenDone<T>(Task<T> task)
        {
            T result;
            try
            {
                result = await task.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }

            Answer(result);
        }

        private async Task AnswerWhenDone(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }

            Answer(default(NoResult));
        }

        /// <summary>Answers the caller with the result; one that cannot be written is answered as the call's failure.</summary>
        private void Answer<T>(T result)
        {
            if (!Release())
            {
                return;
            }

            try
            {
                server.Respond(sender, callId, ResponseStatus.Ok, result, ResultFormat<T>.Write);
            }
            catch (Exception e)
            {
                // The result could not be written (MemoryPack does not know its type): the
                // caller gets that as the call's failure rather than no answer.
                AnswerFailure(new DotnetWorkersException($"The result of {plan.DisplayName} could not be sent: {e.Message}", e));
            }
            finally
            {
                Interlocked.Decrement(ref server._running);
            }
        }

        private void Fail(Exception failure)
        {
            if (!Release())
            {
                return;
            }

            try
            {
                AnswerFailure(failure);
            }
            finally
            {
                Interlocked.Decrement(ref server._running);
            }
        }

        private void AnswerFailure(Exception failure)
        {
            try
            {
                var error = new RemoteError(failure.GetType().FullName ?? failure.GetType().Name, failure.Message, failure.StackTrace);
                server.Respond(sender, callId, ResponseStatus.Error, error, ResultFormat<RemoteError>.Write);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"dotnet-workers: process {server._runtime.WorkerId} could not answer {plan.DisplayName}: {e.Message}");
            }
        }

        /// <summary>Gives back what the call held (its cancellation, its count in flight), once: false if the call was answered already.</summary>
        private bool Release()
        {
            if (Interlocked.Exchange(ref _answered, 1) != 0)
            {
                return false;
            }

            if (cancellation is not null)
            {
                // By key and value: a revived sender reuses call ids.
                server._cancellable.TryRemove(KeyValuePair.Create((sender, callId), cancellation));
                cancellation.Dispose();
            }

            NativeMethods.CallAnswered(server._runtime.RegionHandle);
            return true;
        }
    }

    private void Respond<T>(uint caller, long callId, ResponseStatus status, T payload, Action<IBufferWriter<byte>, T> write)
    {
        var header = new MessageHeader
        {
            Kind = MessageKind.Response,
            Status = (byte)status,
            Sender = (uint)_runtime.WorkerId,
            CallId = callId,
        };
        using MessageBuffer message = Inboxes.Frame(header, (payload, write), static (writer, s) => s.write(writer, s.payload));
        if (!HeldSends.TryHold(_inboxes, (int)caller, message.Span))
        {
            _inboxes.SendWhenRoom((int)caller, message.Span);
        }
    }
}
