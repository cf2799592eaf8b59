using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators.Tests;

/// <summary>
/// What the generator emits for sound contracts: a proxy and an invoker that compile for
/// every return shape, registered once; none for a contract with errors (DW0008 for one the
/// generated code could not name). The RPC tests of DotnetWorkers.Tests run the generated
/// code itself.
/// </summary>
public class GeneratedCodeTests
{
    [Test]
    public void ASoundContract_GetsAProxyAndAnInvoker_ThatCompile_ForEveryReturnShape()
    {
        (ImmutableArray<Diagnostic> diagnostics, ImmutableArray<Diagnostic> errors, ImmutableArray<string> sources) = GeneratorRun.Run(GeneratorRun.Usings + """
            namespace Shop;
            public interface IBase { Task PingAsync(); }
            public interface IShop : IBase
            {
                Task<int> AddAsync(int a, int b);
                ValueTask<string?> NameAsync(Guid id, CancellationToken cancellationToken);
                Task PlaceAsync(CancellationToken cancellationToken, List<int> lines);
                ValueTask ForgetAsync();
                Task<int> @event(int @class);
            }
            public static class App
            {
                public static void Run()
                {
                    Cluster.Proxy<IShop>();
                    Cluster.Serve<IShop>(null!);
                }
            }
            """);

        Assert.That(diagnostics, Is.Empty);
        Assert.That(errors, Is.Empty, "the generated code compiles");
        string code = sources.Single();
        Assert.That(code, Does.Contain("GeneratedContracts.Register(new DotnetWorkersContract0())"), "registered once, from two calls");
        Assert.That(code, Does.Contain(": global::DotnetWorkers.Generated.GeneratedContract<global::Shop.IShop>"));
        Assert.That(code, Does.Contain("global::Shop.IBase.@PingAsync()"), "a base interface's method, implemented explicitly");
        Assert.That(code, Does.Not.Contain("object[]").And.Not.Contain("DispatchProxy"));
    }

    [Test]
    public void TheMemoryPackableTypesAContractCarries_AreKeptForTrimming_OnceEach()
    {
        (_, ImmutableArray<Diagnostic> errors, ImmutableArray<string> sources) = GeneratorRun.Run(GeneratorRun.Usings + """
            [MemoryPackable] public partial record Order(int Id);
            [MemoryPackable] public partial record Line(string Sku);
            public interface IOrders
            {
                Task<Order[]> ListAsync(List<Line> lines);
                Task<Order?> FindAsync(int id);
                Task<byte[]> RawAsync();
            }
            public static class App { public static void Run() => Cluster.Proxy<IOrders>(); }
            """);

        Assert.That(errors, Is.Empty);
        string code = sources.Single();
        Assert.That(code, Does.Contain("RpcArguments.Keep<global::Order>();").And.Contain("RpcArguments.Keep<global::Line>();"));
        Assert.That(code.Split("RpcArguments.Keep<global::Order>()").Length - 1, Is.EqualTo(1), "once, from an array and a nullable alike");
        Assert.That(code, Does.Not.Contain("Keep<byte[]>"), "built-in formatters need nothing kept");
    }

    [Test]
    public void MethodIds_FollowTheLibrarysOrder_ByNameThenParameterTypeNames()
    {
        (_, _, ImmutableArray<string> sources) = GeneratorRun.Run(GeneratorRun.Usings + """
            public interface IOrdered
            {
                Task ZuluAsync();
                Task AlphaAsync(string text);
                Task AlphaAsync(int number);
                Task AlphaAsync(List<int> numbers);
            }
            public static class App { public static void Run() => Cluster.Proxy<IOrdered>(); }
            """);

        // System.Collections.Generic.List`1[System.Int32] < System.Int32 < System.String < (Zulu)
        string code = sources.Single();
        Assert.That(
            code,
            Does.Contain("""new("AlphaAsync", -1), new("AlphaAsync", -1), new("AlphaAsync", -1), new("ZuluAsync", -1)"""));
        Assert.That(code.IndexOf("AlphaAsync(global::System.Collections.Generic.List<int> @numbers)", StringComparison.Ordinal),
            Is.LessThan(code.IndexOf("AlphaAsync(int @number)", StringComparison.Ordinal)));
        Assert.That(code.IndexOf("AlphaAsync(int @number)", StringComparison.Ordinal),
            Is.LessThan(code.IndexOf("AlphaAsync(string @text)", StringComparison.Ordinal)));
    }

    [Test]
    public void AContractWithErrors_GetsNoCode()
    {
        (ImmutableArray<Diagnostic> diagnostics, _, ImmutableArray<string> sources) = GeneratorRun.Run(GeneratorRun.Usings + """
            public interface IBad { int Add(int a, int b); }
            public static class App { public static void Run() => Cluster.Proxy<IBad>(); }
            """);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "DW0004" }));
        Assert.That(sources, Is.Empty);
    }

    [Test]
    public void AContractTheGeneratedCodeCannotName_IsDW0008_AndGetsNoCode()
    {
        (ImmutableArray<Diagnostic> diagnostics, ImmutableArray<Diagnostic> errors, ImmutableArray<string> sources) = GeneratorRun.Run(GeneratorRun.Usings + """
            public static class Outer
            {
                private interface IHidden { Task<int> GetAsync(); }
                public static void Run() => Cluster.Proxy<IHidden>();
            }
            """);

        Diagnostic d = diagnostics.Single();
        Assert.That(d.Id, Is.EqualTo("DW0008"));
        Assert.That(d.GetMessage(), Does.Contain("'Outer.IHidden' is private or protected inside another type").And.Contain("make it internal or public"));
        Assert.That(errors, Is.Empty);
        Assert.That(sources, Is.Empty);
    }
}
