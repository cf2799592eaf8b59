using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DotnetWorkers.Generators;

/// <summary>
/// Finds every RPC contract of the compilation: the type arguments given to a type
/// parameter marked <c>[RpcService]</c> (<c>Cluster.Serve&lt;T&gt;</c>, <c>Cluster.Proxy&lt;T&gt;</c>,
/// <c>Cluster.CallAllAsync&lt;T, TResult&gt;</c>, and any wrapper of theirs that marks its own
/// type parameter), and every interface marked <c>[RpcService]</c>; reports what would fail
/// at run time (DW0001 to DW0007), once per contract, and emits for every sound contract a
/// proxy and an invoker (<see cref="ContractEmitter"/>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RpcContractGenerator : IIncrementalGenerator
{
    private const string AttributeName = "DotnetWorkers.RpcServiceAttribute";

    /// <summary>Methods whose type argument is looked at even when the call infers it (the library's own).</summary>
    private static readonly HashSet<string> ClusterMethods = ["Serve", "Proxy", "CallAllAsync"];

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ContractUse> marked = context.SyntaxProvider.ForAttributeWithMetadataName(
            AttributeName,
            static (node, _) => node is InterfaceDeclarationSyntax,
            static (attributed, _) => ContractUse.Read(
                (ITypeSymbol)attributed.TargetSymbol, attributed.TargetNode.GetLocation(), attributed.SemanticModel.Compilation));

        IncrementalValuesProvider<ContractUse> called = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is InvocationExpressionSyntax invocation && NamesAContract(invocation),
                static (syntax, cancellationToken) => FromCall(syntax, cancellationToken))
            .SelectMany(static (uses, _) => uses);

        IncrementalValueProvider<ImmutableArray<ContractUse>> all = marked.Collect().Combine(called.Collect())
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right));

        context.RegisterSourceOutput(all, static (output, uses) =>
        {
            foreach (DiagnosticInfo diagnostic in uses.SelectMany(u => u.Diagnostics).Distinct())
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            ContractModel[] contracts = [.. uses.Select(u => u.Model).OfType<ContractModel>().Distinct().OrderBy(m => m.Type, StringComparer.Ordinal)];
            if (contracts.Length > 0)
            {
                output.AddSource("DotnetWorkers.RpcContracts.g.cs", ContractEmitter.Emit(contracts));
            }
        });
    }

    /// <summary>Cheap, syntax only: a call with explicit type arguments, or one of the library's methods.</summary>
    private static bool NamesAContract(InvocationExpressionSyntax invocation)
    {
        SimpleNameSyntax? name = invocation.Expression switch
        {
            MemberAccessExpressionSyntax member => member.Name,
            SimpleNameSyntax simple => simple,
            _ => null,
        };
        return name is GenericNameSyntax || (name is not null && ClusterMethods.Contains(name.Identifier.ValueText));
    }

    private static ImmutableArray<ContractUse> FromCall(GeneratorSyntaxContext syntax, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)syntax.Node;
        if (syntax.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method)
        {
            return [];
        }

        var uses = ImmutableArray.CreateBuilder<ContractUse>();
        ImmutableArray<ITypeParameterSymbol> parameters = method.OriginalDefinition.TypeParameters;
        for (int i = 0; i < parameters.Length && i < method.TypeArguments.Length; i++)
        {
            ITypeSymbol argument = method.TypeArguments[i];
            if (argument is ITypeParameterSymbol || !parameters[i].GetAttributes().Any(IsRpcService))
            {
                continue;  // an open type argument is checked where the wrapper is called with a closed one
            }

            uses.Add(ContractUse.Read(argument, invocation.GetLocation(), syntax.SemanticModel.Compilation));
        }

        return uses.ToImmutable();
    }

    private static bool IsRpcService(AttributeData attribute) => attribute.AttributeClass?.ToDisplayString() == AttributeName;
}
