using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DotnetWorkers.Generators;

/// <summary>A diagnostic as a value: models of an incremental generator hold no symbols or syntax.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    internal static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>([.. arguments]));

    internal Diagnostic ToDiagnostic()
    {
        DiagnosticDescriptor descriptor = Id switch
        {
            "DW0001" => Diagnostics.NotAnInterface,
            "DW0002" => Diagnostics.GenericMethod,
            "DW0003" => Diagnostics.ByReferenceParameter,
            "DW0004" => Diagnostics.NotATask,
            "DW0005" => Diagnostics.NotSerializable,
            "DW0006" => Diagnostics.TwoCancellationTokens,
            "DW0008" => Diagnostics.Inaccessible,
            _ => Diagnostics.NotAMethod,
        };
        return Diagnostic.Create(descriptor, Location?.ToLocation(), [.. Arguments]);
    }
}

/// <summary>Where in the source a diagnostic points, as a value.</summary>
internal sealed record LocationInfo(string Path, TextSpan Span, LinePositionSpan LineSpan)
{
    internal static LocationInfo? From(Location? location) =>
        location is { IsInSource: true } ? new(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;

    internal Location ToLocation() => Location.Create(Path, Span, LineSpan);
}
