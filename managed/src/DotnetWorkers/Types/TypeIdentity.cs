using System.Reflection;
using System.Text;
using MemoryPack;

namespace DotnetWorkers.Types;

/// <summary>
/// A cheap identity of a value type as it crosses processes: a 64-bit FNV-1a hash of the
/// type's name (namespace, nesting and generic arguments, without assembly versions, so
/// two builds of one app agree) and of its MemoryPack layout mode (a version-tolerant
/// type's bytes differ from a plain one's). Stored values, queues and topics carry it, so
/// reading one as another type fails with a <see cref="SharedTypeMismatchException"/>
/// instead of returning garbage. Never 0 (which means "untyped bytes").
/// </summary>
internal static class TypeIdentity
{
    /// <summary>The name hashed, and shown in messages: <c>System.Collections.Generic.List`1[System.Int32]</c>.</summary>
    internal static string NameOf(Type type)
    {
        if (type.IsArray)
        {
            int rank = type.GetArrayRank();
            return $"{NameOf(type.GetElementType()!)}[{new string(',', rank - 1)}]";
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            string definition = type.GetGenericTypeDefinition().FullName ?? type.Name;
            return $"{definition}[{string.Join(",", type.GetGenericArguments().Select(NameOf))}]";
        }

        return type.FullName ?? type.Name;
    }

    internal static ulong Of(Type type)
    {
        string text = NameOf(type);
        if (LayoutMode(type) is { } mode && mode != GenerateType.Object)
        {
            text += ";" + mode;
        }

        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash == 0 ? 1 : hash;
    }

    private static GenerateType? LayoutMode(Type type)
    {
        foreach (CustomAttributeData attribute in type.GetCustomAttributesData())
        {
            if (attribute.AttributeType == typeof(MemoryPackableAttribute))
            {
                foreach (CustomAttributeTypedArgument argument in attribute.ConstructorArguments)
                {
                    if (argument.ArgumentType == typeof(GenerateType))
                    {
                        return (GenerateType)(int)argument.Value!;
                    }
                }

                return GenerateType.Object;
            }
        }

        return null;
    }
}

/// <summary><see cref="TypeIdentity"/> of <typeparamref name="T"/>, computed once.</summary>
internal static class TypeIdentity<T>
{
    internal static readonly ulong Value = TypeIdentity.Of(typeof(T));

    internal static readonly string Name = TypeIdentity.NameOf(typeof(T));

    /// <summary>The last runtime that recorded this type's name (<see cref="TypeNames"/>): one look on a hot path.</summary>
    internal static ClusterRuntime? RecordedIn;
}
