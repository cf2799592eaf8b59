// Run it as a cluster:  dotnet run   (or: dotnet-workers bin/Debug/net10.0/DwConsole.dll --workers=4)
// Every process runs this file. The workers serve ISquares; the primary calls them (each call
// goes to the least busy worker), counts the calls in the shared store, prints the results,
// and its return ends the cluster. Run alone (dotnet bin/.../DwConsole.dll), it is a cluster
// of one: the primary serves itself.
using DotnetWorkers;

if (!Cluster.IsPrimary || Cluster.WorkerCount == 0)
{
    Cluster.Serve<ISquares>(new Squares());
}

if (!Cluster.IsPrimary)
{
    return;
}

using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
await Cluster.WaitForServersAsync<ISquares>(Math.Max(Cluster.WorkerCount, 1), startup.Token);

ISquares squares = Cluster.Proxy<ISquares>();
int[] inputs = [1, 2, 3, 4, 5, 6, 7, 8];
long[] results = await Task.WhenAll(inputs.Select(n => squares.SquareAsync(n)));
Console.WriteLine($"squares: {string.Join(", ", results)}");
Console.WriteLine($"calls served by the workers: {Cluster.Store.Get<long>("calls")}");

/// <summary>What the workers serve: the contract crosses processes through the generated proxy.</summary>
public interface ISquares
{
    Task<long> SquareAsync(int n);
}

/// <summary>A worker's implementation; every call adds to one counter shared by the cluster.</summary>
public sealed class Squares : ISquares
{
    public Task<long> SquareAsync(int n)
    {
        Cluster.Store.Increment("calls");
        return Task.FromResult((long)n * n);
    }
}
