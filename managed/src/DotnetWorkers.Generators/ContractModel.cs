namespace DotnetWorkers.Generators;

/// <summary>
/// What the generator emits a contract from, as values: the interface, and its methods in
/// id order (by name, then by their parameters' type names: docs/protocol.md section 15).
/// </summary>
/// <param name="Type">The interface, as generated code spells it.</param>
/// <param name="Methods">Its methods, in id order.</param>
/// <param name="KeptTypes">The [MemoryPackable] types its arguments and results carry (a trimmed app must keep their formatters).</param>
internal sealed record ContractModel(string Type, EquatableArray<MethodModel> Methods, EquatableArray<string> KeptTypes);

/// <summary>One method: where it is declared (for an explicit implementation), its parameters, and what it returns.</summary>
internal sealed record MethodModel(
    string Name, string DeclaringType, EquatableArray<ParameterModel> Parameters, ReturnKind Kind, string? ResultType, string ReturnType)
{
    /// <summary>The position of the CancellationToken parameter, or -1.</summary>
    internal int CancellationIndex
    {
        get
        {
            for (int i = 0; i < Parameters.Length; i++)
            {
                if (Parameters[i].IsCancellationToken)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}

/// <summary>One parameter: its name, its type as C# spells it in generated code, and whether it is the call's CancellationToken.</summary>
internal sealed record ParameterModel(string Name, string Type, bool IsCancellationToken);

/// <summary>The four return shapes of a method called across processes.</summary>
internal enum ReturnKind
{
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}
