using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DotnetWorkers.Generators.Tests;

/// <summary>Compiles a source file against the library and runs the RPC generator on it, as the compiler of an app does.</summary>
internal static class GeneratorRun
{
    /// <summary>What every test source starts with.</summary>
    internal const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using DotnetWorkers;
        using MemoryPack;

        """;

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(Cluster).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(MemoryPack.MemoryPackableAttribute).Assembly.Location),
    ];

    /// <summary>
    /// The generator's diagnostics, the compiler's errors after it ran (a test source or
    /// generated code that does not compile), and the generated sources.
    /// </summary>
    internal static (ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> CompilerErrors, ImmutableArray<string> Sources) Run(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Contracts",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Contracts.cs")],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new RpcContractGenerator());
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        ImmutableArray<Diagnostic> errors = [.. output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("DW", StringComparison.Ordinal))];
        ImmutableArray<string> sources = [.. driver.GetRunResult().GeneratedTrees.Select(t => t.GetText().ToString())];
        return (diagnostics, errors, sources);
    }

    /// <summary>The generator's diagnostics for a source that must otherwise compile.</summary>
    internal static ImmutableArray<Diagnostic> Diagnostics(string source)
    {
        (ImmutableArray<Diagnostic> generator, ImmutableArray<Diagnostic> errors, _) = Run(source);
        Assert.That(errors, Is.Empty, "the test's source and the generated code compile");
        return generator;
    }
}
