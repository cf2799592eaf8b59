using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// One operation of an RFC 6902 JSON Patch: what an applied update changed, as observers and
/// the dashboard receive it. Applying a patch's operations in order to the document as it
/// was gives the document as it is.
/// </summary>
/// <param name="Op"><c>add</c>, <c>remove</c> or <c>replace</c> (<c>move</c> is read by <see cref="ToJson"/> but not made: a <c>$rename</c> is a remove and an add).</param>
/// <param name="Path">A JSON Pointer (RFC 6901) to the value changed, such as <c>/orders/3/total</c>.</param>
/// <param name="Value">The value added or put in place; null for <c>remove</c> and <c>move</c> (and a JSON null is <see langword="null"/> too).</param>
/// <param name="From">For <c>move</c>, the pointer the value comes from.</param>
public sealed record JsonPatchOperation(string Op, string Path, JsonNode? Value = null, string? From = null)
{
    /// <summary>The operation as RFC 6902 writes it: <c>{"op":"add","path":"/a","value":1}</c>.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["op"] = Op, ["path"] = Path };
        if (From is not null)
        {
            json["from"] = From;
        }
        else if (Op != "remove")
        {
            json["value"] = Value?.DeepClone();
        }

        return json;
    }

    /// <summary>A JSON Pointer token: <c>~</c> and <c>/</c> escaped as RFC 6901 says.</summary>
    internal static string Escape(string token) =>
        token.Contains('~', StringComparison.Ordinal) || token.Contains('/', StringComparison.Ordinal)
            ? token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : token;
}
