// Fib: the node-multiprocess demo, in .NET. Run it with
//   artifacts/bin/dotnet-workers --workers=4 artifacts/samples/Fib/Fib.dll
// Every process runs this Main. Workers serve IFib and stay alive; the primary asks them
// for five Fibonacci numbers at once (each call goes to the least busy worker) and prints
// the results in order, which shuts the cluster down when it returns.
using DotnetWorkers;

if (!Cluster.IsPrimary)
{
    Cluster.Serve<IFib>(new Fib());
    return;
}

using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
await Cluster.WaitForServersAsync<IFib>(Cluster.WorkerCount, startup.Token);

IFib fib = Cluster.Proxy<IFib>();
int[] inputs = [10, 15, 20, 25, 30];
long[] results = await Task.WhenAll(inputs.Select(n => fib.ComputeAsync(n)));
for (int i = 0; i < inputs.Length; i++)
{
    Console.WriteLine($"fib({inputs[i]}) = {results[i]}");
}

/// <summary>What the workers serve.</summary>
public interface IFib
{
    Task<long> ComputeAsync(int n);
}

/// <summary>Deliberately slow (exponential) so the work is visible.</summary>
public sealed class Fib : IFib
{
    public Task<long> ComputeAsync(int n)
    {
        Console.WriteLine($"Computing fib({n}) in process {Environment.ProcessId}");
        return Task.FromResult(Compute(n));
    }

    private static long Compute(int n) => n < 2 ? n : Compute(n - 1) + Compute(n - 2);
}
