using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>A value's type as MongoDB's messages name it (<c>string</c>, <c>object</c>, <c>array</c>, <c>bool</c>, <c>null</c>, <c>int</c>, <c>long</c>, <c>double</c>).</summary>
internal static class JsonTypeName
{
    public static string Of(JsonNode? node)
    {
        switch (JsonOrder.Kind(node))
        {
            case JsonValueKind.Object:
                return "object";
            case JsonValueKind.Array:
                return "array";
            case JsonValueKind.String:
                return "string";
            case JsonValueKind.True:
            case JsonValueKind.False:
                return "bool";
            case JsonValueKind.Number:
                JsonNumber.TryRead(node, out JsonNumber number);
                return !number.IsInteger ? "double" : number.Integer is >= int.MinValue and <= int.MaxValue ? "int" : "long";
            default:
                return "null";
        }
    }
}
