using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators;

/// <summary>
/// Reads an RPC contract (an interface) the way the runtime uses it, and tells what would
/// fail there: every member must be a method with fixed parameter types, by-value
/// parameters, at most one CancellationToken, a Task or ValueTask result, and arguments and
/// results MemoryPack can serialize.
/// </summary>
internal static class ContractReader
{
    /// <summary>What is wrong with <paramref name="service"/>; <paramref name="useSite"/> is where it was named (for what has no source of its own).</summary>
    internal static ImmutableArray<DiagnosticInfo> Check(ITypeSymbol service, Location? useSite)
    {
        var found = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        if (service is not INamedTypeSymbol { TypeKind: TypeKind.Interface } contract)
        {
            found.Add(DiagnosticInfo.Create(Diagnostics.NotAnInterface, useSite, service.ToDisplayString()));
            return found.ToImmutable();
        }

        string name = contract.Name;
        foreach (ISymbol member in contract.GetMembers().Concat(contract.AllInterfaces.SelectMany(i => i.GetMembers())))
        {
            if (member.IsStatic)
            {
                continue;
            }

            Location? at = member.Locations.FirstOrDefault(l => l.IsInSource) ?? useSite;
            switch (member)
            {
                case IMethodSymbol { MethodKind: MethodKind.Ordinary } method:
                    CheckMethod(name, method, at, found);
                    break;
                case IPropertySymbol property:
                    found.Add(DiagnosticInfo.Create(Diagnostics.NotAMethod, at, name, property.Name, "a property"));
                    break;
                case IEventSymbol e:
                    found.Add(DiagnosticInfo.Create(Diagnostics.NotAMethod, at, name, e.Name, "an event"));
                    break;
            }
        }

        return found.ToImmutable();
    }

    /// <summary>Code spelling of a type in generated code: fully qualified, with its nullable annotation.</summary>
    internal static readonly SymbolDisplayFormat CodeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>
    /// What to emit for <paramref name="contract"/> (one <see cref="Check"/> found nothing
    /// wrong with), or null if the generated code could not name it (an interface private or
    /// protected inside another type: DW0008).
    /// </summary>
    internal static ContractModel? Model(INamedTypeSymbol contract, Compilation compilation)
    {
        if (!compilation.IsSymbolAccessibleWithin(contract, compilation.Assembly))
        {
            return null;
        }

        IMethodSymbol[] methods = [.. contract.GetMembers().Concat(contract.AllInterfaces.SelectMany(i => i.GetMembers()))
            .OfType<IMethodSymbol>()
            .Where(m => !m.IsStatic && m.MethodKind == MethodKind.Ordinary)
            .Select(m => (Method: m, Key: string.Join(",", m.Parameters.Select(p => ReflectionName.Of(p.Type)))))
            .OrderBy(m => m.Method.Name, StringComparer.Ordinal)
            .ThenBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => m.Method)];
        var kept = new SortedSet<string>(StringComparer.Ordinal);
        foreach (IMethodSymbol method in methods)
        {
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                Serializable.CollectMemoryPackable(parameter.Type, kept);
            }

            if (IsTask(method.ReturnType, out ITypeSymbol? result) && result is not null)
            {
                Serializable.CollectMemoryPackable(result, kept);
            }
        }

        return new ContractModel(
            contract.ToDisplayString(CodeFormat),
            new EquatableArray<MethodModel>([.. methods.Select(ToModel)]),
            new EquatableArray<string>([.. kept]));
    }

    private static MethodModel ToModel(IMethodSymbol method)
    {
        IsTask(method.ReturnType, out ITypeSymbol? result);
        var kind = (((INamedTypeSymbol)method.ReturnType).Name, result is null) switch
        {
            ("Task", true) => ReturnKind.Task,
            ("Task", false) => ReturnKind.TaskOfT,
            ("ValueTask", true) => ReturnKind.ValueTask,
            _ => ReturnKind.ValueTaskOfT,
        };
        ParameterModel[] parameters = [.. method.Parameters.Select(p => new ParameterModel(p.Name, p.Type.ToDisplayString(CodeFormat), IsCancellationToken(p.Type)))];
        return new MethodModel(
            method.Name,
            method.ContainingType.ToDisplayString(CodeFormat),
            new EquatableArray<ParameterModel>([.. parameters]),
            kind,
            result?.ToDisplayString(CodeFormat),
            method.ReturnType.ToDisplayString(CodeFormat));
    }

    private static void CheckMethod(string service, IMethodSymbol method, Location? at, ImmutableArray<DiagnosticInfo>.Builder found)
    {
        if (method.IsGenericMethod)
        {
            found.Add(DiagnosticInfo.Create(Diagnostics.GenericMethod, at, service, method.Name));
        }

        int tokens = 0;
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            Location? parameterAt = parameter.Locations.FirstOrDefault(l => l.IsInSource) ?? at;
            if (parameter.RefKind != RefKind.None)
            {
                found.Add(DiagnosticInfo.Create(Diagnostics.ByReferenceParameter, parameterAt, service, method.Name, parameter.Name, Keyword(parameter.RefKind)));
                continue;
            }

            if (IsCancellationToken(parameter.Type))
            {
                tokens++;
                continue;
            }

            if (!Serializable.Is(parameter.Type))
            {
                found.Add(DiagnosticInfo.Create(Diagnostics.NotSerializable, parameterAt, service, method.Name, $"parameter '{parameter.Name}' of type", parameter.Type.ToDisplayString()));
            }
        }

        if (tokens > 1)
        {
            found.Add(DiagnosticInfo.Create(Diagnostics.TwoCancellationTokens, at, service, method.Name));
        }

        if (!IsTask(method.ReturnType, out ITypeSymbol? result))
        {
            found.Add(DiagnosticInfo.Create(Diagnostics.NotATask, at, service, method.Name, method.ReturnType.ToDisplayString()));
        }
        else if (result is not null && !Serializable.Is(result))
        {
            found.Add(DiagnosticInfo.Create(Diagnostics.NotSerializable, at, service, method.Name, "the result of type", result.ToDisplayString()));
        }
    }

    /// <summary>
    /// True for Task, Task&lt;T&gt;, ValueTask and ValueTask&lt;T&gt;; <paramref name="result"/>
    /// is T, or null for the forms without a result.
    /// </summary>
    private static bool IsTask(ITypeSymbol returnType, out ITypeSymbol? result)
    {
        result = null;
        if (returnType is not INamedTypeSymbol { Name: "Task" or "ValueTask", ContainingNamespace: { } ns } named ||
            ns.ToDisplayString() != "System.Threading.Tasks" || named.TypeArguments.Length > 1)
        {
            return false;
        }

        result = named.TypeArguments.Length == 1 ? named.TypeArguments[0] : null;
        return true;
    }

    private static bool IsCancellationToken(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "CancellationToken", ContainingNamespace: { } ns } && ns.ToDisplayString() == "System.Threading";

    private static string Keyword(RefKind kind) => kind switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        RefKind.RefReadOnlyParameter => "ref readonly",
        _ => "ref",
    };
}
