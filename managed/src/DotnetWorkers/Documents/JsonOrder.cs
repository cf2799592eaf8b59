using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// BSON's order of values, for the JSON types: null, numbers, strings, objects, arrays,
/// booleans. What <c>$min</c>, <c>$max</c>, <c>$sort</c>, <c>$addToSet</c>'s equality and
/// the query conditions of <c>$pull</c> and array filters compare by. Numbers compare by
/// value (1 and 1.0 are equal), strings ordinally, objects field by field in their order
/// (so <c>{"a":1,"b":2}</c> and <c>{"b":2,"a":1}</c> differ, as in MongoDB), arrays element by
/// element.
/// </summary>
internal static class JsonOrder
{
    /// <summary>The rank of a value's type in BSON's order; a missing value ranks with null.</summary>
    public static int TypeRank(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => 1,
        JsonValueKind.Number => 2,
        JsonValueKind.String => 3,
        JsonValueKind.Object => 4,
        JsonValueKind.Array => 5,
        JsonValueKind.True or JsonValueKind.False => 6,
        _ => 7,
    };

    public static JsonValueKind Kind(JsonNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    public static bool Equal(JsonNode? a, JsonNode? b) => Compare(a, b) == 0;

    public static int Compare(JsonNode? a, JsonNode? b)
    {
        int rank = TypeRank(a).CompareTo(TypeRank(b));
        if (rank != 0)
        {
            return rank;
        }

        switch (Kind(a))
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return 0;
            case JsonValueKind.Number:
                JsonNumber.TryRead(a, out JsonNumber x);
                JsonNumber.TryRead(b, out JsonNumber y);
                return JsonNumber.Compare(x, y);
            case JsonValueKind.String:
                return string.CompareOrdinal(a!.GetValue<string>(), b!.GetValue<string>());
            case JsonValueKind.True:
            case JsonValueKind.False:
                return (Kind(a) == JsonValueKind.True).CompareTo(Kind(b) == JsonValueKind.True);
            case JsonValueKind.Object:
                return CompareObjects(a!.AsObject(), b!.AsObject());
            case JsonValueKind.Array:
                return CompareArrays(a!.AsArray(), b!.AsArray());
            default:
                return 0;
        }
    }

    private static int CompareObjects(JsonObject a, JsonObject b)
    {
        using IEnumerator<KeyValuePair<string, JsonNode?>> left = a.GetEnumerator();
        using IEnumerator<KeyValuePair<string, JsonNode?>> right = b.GetEnumerator();
        while (true)
        {
            bool more = left.MoveNext();
            bool moreRight = right.MoveNext();
            if (!more || !moreRight)
            {
                return more.CompareTo(moreRight);
            }

            // BSON compares each element's type, then its name, then its value.
            int order = TypeRank(left.Current.Value).CompareTo(TypeRank(right.Current.Value));
            if (order == 0)
            {
                order = string.CompareOrdinal(left.Current.Key, right.Current.Key);
            }

            if (order == 0)
            {
                order = Compare(left.Current.Value, right.Current.Value);
            }

            if (order != 0)
            {
                return order;
            }
        }
    }

    private static int CompareArrays(JsonArray a, JsonArray b)
    {
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            int order = Compare(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
