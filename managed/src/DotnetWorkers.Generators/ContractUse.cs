using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators;

/// <summary>
/// One contract named somewhere (a call site or an [RpcService] interface): what is wrong
/// with it there, and, if nothing is, what to emit for it.
/// </summary>
internal sealed record ContractUse(EquatableArray<DiagnosticInfo> Diagnostics, ContractModel? Model)
{
    internal static ContractUse Read(ITypeSymbol service, Location useSite, Compilation compilation)
    {
        ImmutableArray<DiagnosticInfo> diagnostics = ContractReader.Check(service, useSite);
        ContractModel? model = diagnostics.IsEmpty && service is INamedTypeSymbol contract ? ContractReader.Model(contract, compilation) : null;
        if (diagnostics.IsEmpty && model is null)
        {
            Location at = service.Locations.FirstOrDefault(l => l.IsInSource) ?? useSite;
            diagnostics = [DiagnosticInfo.Create(Generators.Diagnostics.Inaccessible, at, service.ToDisplayString())];
        }

        return new ContractUse(new EquatableArray<DiagnosticInfo>(diagnostics), model);
    }
}
