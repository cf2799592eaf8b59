using System.ComponentModel;

namespace DotnetWorkers.Generated;

/// <summary>
/// One method of a generated RPC contract, as the generator describes it: its name, and the
/// position of its <see cref="CancellationToken"/> parameter (-1 if it has none). Its index
/// in <see cref="GeneratedContract{TService}.Methods"/> is its id on the wire.
/// </summary>
/// <param name="Name">The method's name.</param>
/// <param name="CancellationIndex">The position of the CancellationToken parameter, or -1.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct RpcMethod(string Name, int CancellationIndex);
