using System.Reflection;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The reflection path's proxy (<see cref="ServiceContract.UseReflection"/>, or a contract no
/// generator saw): each interface method call becomes a request to a serving process. The
/// method's plan is found in a frozen dictionary; its codecs were made when the contract was
/// first used.
/// </summary>
internal class RpcProxy : DispatchProxy
{
    private RpcProxyOptions _options = null!;

    internal void Initialize(RpcProxyOptions options) => _options = options;

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        MethodPlan plan = _options.Contract.ByMethod[targetMethod];
        return plan.Result!.Call(_options, plan, args);
    }
}
