using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators;

/// <summary>
/// Whether MemoryPack serializes a type without a formatter registered at run time: its
/// built-in types (primitives, strings, enums, unmanaged structs, the common BCL values,
/// arrays, tuples and the generic collections of serializable elements) and types marked
/// [MemoryPackable] or [MemoryPackUnion]. A formatter registered by hand is invisible here:
/// such a type is reported, and the report can be turned off (DW0005's message says how).
/// </summary>
internal static class Serializable
{
    /// <summary>BCL types MemoryPack has formatters for, by namespace-qualified metadata name.</summary>
    private static readonly HashSet<string> KnownTypes =
    [
        "System.Guid", "System.DateTime", "System.DateTimeOffset", "System.TimeSpan", "System.DateOnly", "System.TimeOnly",
        "System.Version", "System.Uri", "System.Half", "System.Int128", "System.UInt128", "System.Type", "System.TimeZoneInfo",
        "System.Numerics.BigInteger", "System.Numerics.Complex", "System.Numerics.Vector2", "System.Numerics.Vector3",
        "System.Numerics.Vector4", "System.Numerics.Quaternion", "System.Numerics.Matrix3x2", "System.Numerics.Matrix4x4",
        "System.Text.StringBuilder", "System.Collections.BitArray", "System.Globalization.CultureInfo",
    ];

    /// <summary>Generic types MemoryPack has formatters for when their type arguments are serializable.</summary>
    private static readonly HashSet<string> KnownGenerics =
    [
        "System.Nullable`1", "System.Lazy`1", "System.Memory`1", "System.ReadOnlyMemory`1", "System.ArraySegment`1",
        "System.Tuple`1", "System.Tuple`2", "System.Tuple`3", "System.Tuple`4", "System.Tuple`5", "System.Tuple`6", "System.Tuple`7",
        "System.ValueTuple`1", "System.ValueTuple`2", "System.ValueTuple`3", "System.ValueTuple`4", "System.ValueTuple`5",
        "System.ValueTuple`6", "System.ValueTuple`7",
        "System.Collections.Generic.List`1", "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.HashSet`1",
        "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedList`2", "System.Collections.Generic.SortedSet`1",
        "System.Collections.Generic.LinkedList`1", "System.Collections.Generic.Queue`1", "System.Collections.Generic.Stack`1",
        "System.Collections.Generic.KeyValuePair`2", "System.Collections.Generic.PriorityQueue`2",
        "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.ICollection`1", "System.Collections.Generic.IReadOnlyCollection`1",
        "System.Collections.Generic.IList`1", "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.IDictionary`2",
        "System.Collections.Generic.IReadOnlyDictionary`2", "System.Collections.Generic.ISet`1", "System.Collections.Generic.IReadOnlySet`1",
        "System.Linq.ILookup`2", "System.Linq.IGrouping`2",
        "System.Collections.ObjectModel.Collection`1", "System.Collections.ObjectModel.ReadOnlyCollection`1",
        "System.Collections.ObjectModel.ObservableCollection`1", "System.Collections.ObjectModel.ReadOnlyObservableCollection`1",
        "System.Collections.Concurrent.ConcurrentDictionary`2", "System.Collections.Concurrent.ConcurrentQueue`1",
        "System.Collections.Concurrent.ConcurrentStack`1", "System.Collections.Concurrent.ConcurrentBag`1",
        "System.Collections.Concurrent.BlockingCollection`1",
        "System.Collections.Immutable.ImmutableArray`1", "System.Collections.Immutable.ImmutableList`1",
        "System.Collections.Immutable.ImmutableDictionary`2", "System.Collections.Immutable.ImmutableHashSet`1",
        "System.Collections.Immutable.ImmutableSortedDictionary`2", "System.Collections.Immutable.ImmutableSortedSet`1",
        "System.Collections.Immutable.ImmutableQueue`1", "System.Collections.Immutable.ImmutableStack`1",
        "System.Collections.Immutable.IImmutableList`1", "System.Collections.Immutable.IImmutableDictionary`2",
        "System.Collections.Immutable.IImmutableSet`1", "System.Collections.Immutable.IImmutableQueue`1",
        "System.Collections.Immutable.IImmutableStack`1",
    ];

    internal static bool Is(ITypeSymbol type) => Is(type, depth: 0);

    /// <summary>Adds every [MemoryPackable] or [MemoryPackUnion] type <paramref name="type"/> is or holds (elements, type arguments), as generated code names them.</summary>
    internal static void CollectMemoryPackable(ITypeSymbol type, ISet<string> found, int depth = 0)
    {
        if (depth > 16)
        {
            return;
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                CollectMemoryPackable(array.ElementType, found, depth + 1);
                break;
            case INamedTypeSymbol named:
                if (HasAttribute(named, "MemoryPackableAttribute") || HasAttribute(named, "MemoryPackUnionAttribute"))
                {
                    found.Add(named.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                }

                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    CollectMemoryPackable(argument, found, depth + 1);
                }

                break;
        }
    }

    private static bool Is(ITypeSymbol type, int depth)
    {
        if (depth > 16)
        {
            return true;  // a recursive generic: its own formatter decides
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                return Is(array.ElementType, depth + 1);
            case ITypeParameterSymbol:
                return true;  // an open contract's type argument: checked where it is closed
            case INamedTypeSymbol named:
                return IsNamed(named, depth);
            default:
                return false;  // pointers, function pointers, dynamic
        }
    }

    private static bool IsNamed(INamedTypeSymbol type, int depth)
    {
        if (type.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_String or SpecialType.System_DateTime)
        {
            return true;
        }

        if (type.TypeKind == TypeKind.Enum || HasAttribute(type, "MemoryPackableAttribute") || HasAttribute(type, "MemoryPackUnionAttribute"))
        {
            return true;
        }

        string name = MetadataName(type.OriginalDefinition);
        if (type.IsGenericType)
        {
            return KnownGenerics.Contains(name) && type.TypeArguments.All(t => Is(t, depth + 1));
        }

        // Unmanaged structs are copied as their bytes.
        return KnownTypes.Contains(name) || (type.IsValueType && type.IsUnmanagedType);
    }

    private static bool HasAttribute(INamedTypeSymbol type, string name) =>
        type.GetAttributes().Any(a => a.AttributeClass is { Name: var n, ContainingNamespace: { } ns } && n == name && ns.ToDisplayString() == "MemoryPack");

    private static string MetadataName(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? $"{ns.ToDisplayString()}.{type.MetadataName}" : type.MetadataName;
}
