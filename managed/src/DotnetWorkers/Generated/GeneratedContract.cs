using System.ComponentModel;

namespace DotnetWorkers.Generated;

/// <summary>
/// The compile-time half of one RPC contract, emitted by the DotnetWorkers generator for
/// every interface an app serves or calls, and registered before <c>Main</c> runs
/// (<see cref="GeneratedContracts.Register{TService}"/>): a proxy class whose methods write
/// their arguments straight into the request, and an invoker that reads them and calls the
/// implementation. No boxing, no argument arrays, no reflection at run time. Not for use
/// by hand.
/// </summary>
/// <typeparam name="TService">The service interface.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class GeneratedContract<TService>
    where TService : class
{
    /// <summary>Creates the contract.</summary>
    /// <param name="methods">The interface's methods, by id (ordered by name, then by their parameters' type names).</param>
    protected GeneratedContract(RpcMethod[] methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        Methods = methods;
    }

    /// <summary>The interface's methods, by id.</summary>
    public IReadOnlyList<RpcMethod> Methods { get; }

    /// <summary>A proxy whose calls go through <paramref name="caller"/>.</summary>
    public abstract TService CreateProxy(RpcCaller caller);

    /// <summary>
    /// Reads the arguments of method <paramref name="method"/> from <paramref name="arguments"/>,
    /// calls it on <paramref name="service"/>, and hands what it returned to <paramref name="reply"/>.
    /// What it throws is the caller's failure.
    /// </summary>
    public abstract void Invoke(TService service, ushort method, ReadOnlySpan<byte> arguments, CancellationToken cancellationToken, RpcReply reply);
}
