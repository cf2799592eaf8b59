using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators;

/// <summary>
/// What the generator reports about an RPC contract (an interface passed to
/// <c>Cluster.Serve</c>, <c>Cluster.Proxy</c> or <c>Cluster.CallAllAsync</c>, or marked
/// <c>[RpcService]</c>): each says what to change. Errors: the call could not work at run time.
/// </summary>
internal static class Diagnostics
{
    private const string Category = "DotnetWorkers.Rpc";

    internal static readonly DiagnosticDescriptor NotAnInterface = new(
        "DW0001",
        "An RPC service is an interface",
        "'{0}' is not an interface: declare the service as an interface, implement it in a class, and pass the interface as the type argument",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor GenericMethod = new(
        "DW0002",
        "An RPC method has fixed parameter types",
        "'{0}.{1}' is generic: a method called across processes has fixed parameter types; give it concrete types (one method per type if need be)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor ByReferenceParameter = new(
        "DW0003",
        "An RPC method takes its arguments by value",
        "'{0}.{1}' takes '{2}' by reference ({3}): arguments cross processes as copies; pass it by value and return what the caller needs in the result",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor NotATask = new(
        "DW0004",
        "An RPC method returns a task",
        "'{0}.{1}' returns '{2}': a method called across processes returns Task, Task<T>, ValueTask or ValueTask<T>",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor NotSerializable = new(
        "DW0005",
        "RPC arguments and results are MemoryPack-serializable",
        "'{0}.{1}': {2} '{3}' cannot be serialized by MemoryPack: mark it [MemoryPackable] (partial), or use a type MemoryPack knows; a type you register a formatter for yourself can set DW0005's severity to none in .editorconfig",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor TwoCancellationTokens = new(
        "DW0006",
        "An RPC method takes at most one CancellationToken",
        "'{0}.{1}' takes more than one CancellationToken: the caller's token cancels the call; take one",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor Inaccessible = new(
        "DW0008",
        "An RPC service is visible to the generated code",
        "'{0}' is private or protected inside another type: the generated proxy and invoker cannot name it; make it internal or public",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    internal static readonly DiagnosticDescriptor NotAMethod = new(
        "DW0007",
        "An RPC service has only methods",
        "'{0}.{1}' is {2}: only methods are called across processes; make it a method that returns a task",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
