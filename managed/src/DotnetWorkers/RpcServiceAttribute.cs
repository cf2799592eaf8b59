namespace DotnetWorkers;

/// <summary>
/// Marks an RPC service contract for the compile-time checks of the DotnetWorkers generator.
/// On an interface: the interface is a service (checked even if no call names it). On a
/// type parameter of a method (as <see cref="Cluster.Serve{TService}"/> and
/// <see cref="Cluster.Proxy{TService}"/> mark theirs): the type argument of every call is a
/// service; mark your own wrappers' type parameters the same way to have their calls checked.
/// </summary>
/// <remarks>
/// A contract that cannot cross processes is a compile error: DW0001 (not an interface),
/// DW0002 (a generic method), DW0003 (a ref, out or in parameter), DW0004 (a result other
/// than Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;), DW0005 (an argument or result
/// MemoryPack cannot serialize), DW0006 (more than one CancellationToken), DW0007 (a
/// property or event), DW0008 (an interface private inside another type).
/// </remarks>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.GenericParameter, Inherited = false)]
public sealed class RpcServiceAttribute : Attribute
{
}
