using System.Buffers;
using System.ComponentModel;
using DotnetWorkers.Messaging.Rpc;

namespace DotnetWorkers.Generated;

/// <summary>
/// What a generated proxy calls through: one per proxy, holding its target, timeout and
/// contract. A call's arguments travel as a struct written by a static delegate: no boxing,
/// no argument array. Failures to start a call come back in the task, as from an async method.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class RpcCaller
{
    private readonly RpcProxyOptions _options;

    internal RpcCaller(RpcProxyOptions options) => _options = options;

    /// <summary>Calls method <paramref name="method"/> (its id) with <paramref name="arguments"/>, which <paramref name="write"/> writes.</summary>
    public Task<TResult> Call<TArguments, TResult>(
        ushort method, TArguments arguments, Action<IBufferWriter<byte>, TArguments> write, CancellationToken cancellationToken) =>
        _options.Client.CallAsync<TArguments, TResult>(_options, _options.Contract.Methods[method], arguments, write, cancellationToken);

    /// <summary>As <see cref="Call{TArguments, TResult}"/>, for a method without a result.</summary>
    public Task Call<TArguments>(ushort method, TArguments arguments, Action<IBufferWriter<byte>, TArguments> write, CancellationToken cancellationToken) =>
        _options.Client.CallAsync<TArguments, NoResult>(_options, _options.Contract.Methods[method], arguments, write, cancellationToken);
}
