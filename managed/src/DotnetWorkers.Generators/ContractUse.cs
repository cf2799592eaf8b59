using System.Collections.Immutable;

namespace DotnetWorkers.Generators;

/// <summary>One contract named somewhere (a call site or an [RpcService] interface), and what is wrong with it there.</summary>
internal sealed record ContractUse(string Service, EquatableArray<DiagnosticInfo> Diagnostics)
{
    internal static ContractUse Create(string service, ImmutableArray<DiagnosticInfo> diagnostics) => new(service, new EquatableArray<DiagnosticInfo>(diagnostics));
}
