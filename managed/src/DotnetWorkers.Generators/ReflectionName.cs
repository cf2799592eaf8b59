using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators;

/// <summary>
/// A type's name as the library's <c>TypeIdentity.NameOf</c> spells it from reflection
/// (<c>System.Collections.Generic.List`1[System.Int32]</c>, docs/protocol.md section 18):
/// the generator orders a contract's methods by these names (section 15), so the order is
/// written down once, in the names the protocol already uses.
/// </summary>
internal static class ReflectionName
{
    internal static string Of(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return $"{Of(array.ElementType)}[{new string(',', array.Rank - 1)}]";
            case INamedTypeSymbol { IsGenericType: true, IsUnboundGenericType: false } named when !SymbolEqualityComparer.Default.Equals(named, named.OriginalDefinition):
                return $"{FullName(named.OriginalDefinition)}[{string.Join(",", named.TypeArguments.Select(Of))}]";
            case INamedTypeSymbol named:
                return FullName(named);
            default:
                return type.ToDisplayString();
        }
    }

    /// <summary>Reflection's <c>Type.FullName</c> of a type that is not a constructed generic: namespace, containing types after '+', arity after '`'.</summary>
    private static string FullName(INamedTypeSymbol type)
    {
        string name = type.MetadataName;
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = $"{outer.MetadataName}+{name}";
        }

        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? $"{ns.ToDisplayString()}.{name}" : name;
    }
}
