using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DotnetWorkers.Generators.Tests;

/// <summary>
/// A contract that cannot cross processes is a compile error with an id, on the member at
/// fault, whose message says what to change; a good one compiles clean.
/// </summary>
public class ContractDiagnosticsTests
{
    [Test]
    public void AGoodContract_WithEveryReturnShapeAndSerializableType_HasNoDiagnostics()
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorRun.Diagnostics(GeneratorRun.Usings + """
            [MemoryPackable] public partial record Order(int Id, string Customer, List<decimal> Lines);
            public struct Point { public int X; public int Y; }
            public enum Color { Red, Green }
            public interface IBase { Task PingAsync(); }
            public interface IShop : IBase
            {
                Task<int> AddAsync(int a, int b);
                ValueTask<string?> NameAsync(Guid id, CancellationToken cancellationToken);
                Task PlaceAsync(Order order, Point at, Color color, DateTime when);
                ValueTask ForgetAsync(Dictionary<string, int[]> counts, (int, string) pair, byte[]? blob);
                Task<IReadOnlyList<Order>> ListAsync(TimeSpan window, int? limit);
            }
            public static class App
            {
                public static void Run() => Cluster.Proxy<IShop>();
            }
            """);

        Assert.That(diagnostics, Is.Empty);
    }

    [Test]
    public void AClassPassedAsTheService_IsDW0001_AtTheCall_EvenWhenTheTypeArgumentIsInferred()
    {
        string source = GeneratorRun.Usings + """
            public interface ICalculator { Task<int> AddAsync(int a, int b); }
            public sealed class Calculator : ICalculator { public Task<int> AddAsync(int a, int b) => Task.FromResult(a + b); }
            public static class App
            {
                public static void Run() => Cluster.Serve(new Calculator());
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = GeneratorRun.Diagnostics(source);

        Diagnostic d = diagnostics.Single();
        Assert.That(d.Id, Is.EqualTo("DW0001"));
        Assert.That(d.Severity, Is.EqualTo(DiagnosticSeverity.Error));
        Assert.That(d.GetMessage(), Does.Contain("'Calculator' is not an interface").And.Contain("pass the interface as the type argument"));
        Assert.That(LineOf(source, d), Does.Contain("Cluster.Serve(new Calculator())"));
    }

    [TestCase("Task<T> EchoAsync<T>(T value);", "DW0002", "'IBad.EchoAsync' is generic", "give it concrete types")]
    [TestCase("Task<int> TakeAsync(ref int value);", "DW0003", "takes 'value' by reference (ref)", "pass it by value")]
    [TestCase("Task<int> TakeAsync(out int value);", "DW0003", "takes 'value' by reference (out)", "pass it by value")]
    [TestCase("Task<int> TakeAsync(in int value);", "DW0003", "takes 'value' by reference (in)", "pass it by value")]
    [TestCase("int Add(int a, int b);", "DW0004", "'IBad.Add' returns 'int'", "returns Task, Task<T>, ValueTask or ValueTask<T>")]
    [TestCase("IAsyncEnumerable<int> StreamAsync();", "DW0004", "returns 'System.Collections.Generic.IAsyncEnumerable<int>'", "Task<T>")]
    [TestCase("Task SendAsync(Unmarked value);", "DW0005", "parameter 'value' of type 'Unmarked' cannot be serialized by MemoryPack", "mark it [MemoryPackable]")]
    [TestCase("Task<Unmarked> GetAsync();", "DW0005", "the result of type 'Unmarked' cannot be serialized", "mark it [MemoryPackable]")]
    [TestCase("Task SendAsync(List<Unmarked> values);", "DW0005", "'System.Collections.Generic.List<Unmarked>' cannot be serialized", "DW0005's severity to none")]
    [TestCase("Task SendAsync(object value);", "DW0005", "'object' cannot be serialized", "a type MemoryPack knows")]
    [TestCase("Task WaitAsync(CancellationToken a, CancellationToken b);", "DW0006", "takes more than one CancellationToken", "take one")]
    [TestCase("int Count { get; }", "DW0007", "'IBad.Count' is a property", "make it a method that returns a task")]
    [TestCase("event EventHandler Changed;", "DW0007", "'IBad.Changed' is an event", "make it a method")]
    public void ABadMember_IsAnErrorWithItsId_OnTheMember_SayingWhatToChange(string member, string id, string says, string advice)
    {
        string source = GeneratorRun.Usings + $$"""
            public sealed class Unmarked { public int X { get; set; } }
            public interface IBad
            {
                Task<int> FineAsync(int a);
                {{member}}
            }
            public static class App
            {
                public static void Run() => Cluster.Proxy<IBad>();
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = GeneratorRun.Diagnostics(source);

        Diagnostic d = diagnostics.Single();
        Assert.That(d.Id, Is.EqualTo(id));
        Assert.That(d.Severity, Is.EqualTo(DiagnosticSeverity.Error));
        Assert.That(d.GetMessage(), Does.Contain(says).And.Contain(advice));
        Assert.That(LineOf(source, d), Does.Contain(member.Trim()), "it points at the member");
    }

    [Test]
    public void AContractNamedAtManyCalls_IsReportedOnce()
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorRun.Diagnostics(GeneratorRun.Usings + """
            public interface IBad { int Add(int a, int b); }
            public static class App
            {
                public static void Run()
                {
                    Cluster.Proxy<IBad>();
                    Cluster.Proxy<IBad>(RpcTarget.Worker(1));
                    _ = Cluster.ServersOf<IBad>();
                }
            }
            """);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "DW0004" }));
    }

    [Test]
    public void AnInterfaceMarkedRpcService_IsChecked_WithoutACallNamingIt()
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorRun.Diagnostics(GeneratorRun.Usings + """
            [RpcService] public interface IMarked { Task<int> AddAsync(ref int a); }
            """);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "DW0003" }));
    }

    [Test]
    public void AWrapperThatMarksItsTypeParameter_HasItsCallsChecked_NotItsOpenBody()
    {
        ImmutableArray<Diagnostic> diagnostics = GeneratorRun.Diagnostics(GeneratorRun.Usings + """
            public interface IGood { Task<int> AddAsync(int a, int b); }
            public interface IBad { Task<int> TakeAsync(out int a); }
            public static class MyCluster
            {
                public static T Client<[RpcService] T>() where T : class => Cluster.Proxy<T>();
                public static T Unchecked<T>() where T : class => default!;
            }
            public static class App
            {
                public static void Run()
                {
                    MyCluster.Client<IGood>();
                    MyCluster.Client<IBad>();
                    MyCluster.Unchecked<IBad>();
                }
            }
            """);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "DW0003" }), "IBad through the marked wrapper only");
    }

    /// <summary>The line of <paramref name="source"/> a diagnostic points at.</summary>
    private static string LineOf(string source, Diagnostic diagnostic) =>
        source.Split('\n')[diagnostic.Location.GetLineSpan().StartLinePosition.Line];
}
