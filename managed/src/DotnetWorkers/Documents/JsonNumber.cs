using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// A JSON number as the update operators compute with it. JSON cannot tell MongoDB's int,
/// long, double and decimal apart, so a number is an integer (64-bit) when it is written
/// as one and fits, and a double otherwise; arithmetic on integers stays integer, and a
/// result that would not fit in 64 bits is refused rather than rounded.
/// </summary>
internal readonly struct JsonNumber
{
    private JsonNumber(long integer)
    {
        IsInteger = true;
        Integer = integer;
        Double = integer;
    }

    private JsonNumber(double value)
    {
        IsInteger = false;
        Double = value;
    }

    public bool IsInteger { get; }

    public long Integer { get; }

    public double Double { get; }

    /// <summary>Reads <paramref name="node"/> as a number; false for anything else (null, strings...).</summary>
    public static bool TryRead(JsonNode? node, out JsonNumber number)
    {
        number = default;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetValue(out long integer))
        {
            number = new JsonNumber(integer);
        }
        else if (value.TryGetValue(out int small))
        {
            number = new JsonNumber(small);
        }
        else if (value.TryGetValue(out double real))
        {
            number = new JsonNumber(real);
        }
        else if (value.TryGetValue(out decimal exact))
        {
            number = new JsonNumber((double)exact);
        }
        else if (value.TryGetValue(out float single))
        {
            number = new JsonNumber(single);
        }
        else if (value.TryGetValue(out JsonElement element) && element.TryGetDouble(out double parsed))
        {
            number = new JsonNumber(parsed);
        }
        else
        {
            number = new JsonNumber(double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
        }

        return true;
    }

    public static JsonNumber Zero(bool integer) => integer ? new JsonNumber(0L) : new JsonNumber(0.0);

    /// <summary>The sum; null if two integers overflow.</summary>
    public static JsonNumber? Add(JsonNumber a, JsonNumber b)
    {
        if (a.IsInteger && b.IsInteger)
        {
            long sum = unchecked(a.Integer + b.Integer);
            return ((a.Integer ^ sum) & (b.Integer ^ sum)) < 0 ? null : new JsonNumber(sum);
        }

        return new JsonNumber(a.Double + b.Double);
    }

    /// <summary>The product; null if two integers overflow.</summary>
    public static JsonNumber? Multiply(JsonNumber a, JsonNumber b)
    {
        if (a.IsInteger && b.IsInteger)
        {
            long high = Math.BigMul(a.Integer, b.Integer, out long low);
            return high != (low >> 63) ? null : new JsonNumber(low);
        }

        return new JsonNumber(a.Double * b.Double);
    }

    /// <summary>Compares by value, an integer and a double too (9007199254740993 is more than 9007199254740992.0).</summary>
    public static int Compare(JsonNumber a, JsonNumber b)
    {
        if (a.IsInteger && b.IsInteger)
        {
            return a.Integer.CompareTo(b.Integer);
        }

        if (a.IsInteger != b.IsInteger)
        {
            (long integer, double real, int sign) = a.IsInteger ? (a.Integer, b.Double, 1) : (b.Integer, a.Double, -1);
            return sign * CompareIntegerToDouble(integer, real);
        }

        // NaN first, as BSON orders it.
        return a.Double.CompareTo(b.Double);
    }

    /// <summary>
    /// The number as a node that keeps its kind through JSON text: a double is written with a
    /// fraction or an exponent (6.0, not 6), so a process that reads the document back from
    /// the journal or a snapshot sees a double where the writer had one.
    /// </summary>
    public JsonNode ToNode()
    {
        if (IsInteger)
        {
            return JsonValue.Create(Integer);
        }

        string text = Double.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (text.AsSpan().IndexOfAny(".Ee") < 0)
        {
            text += ".0";
        }

        return JsonNode.Parse(text)!;
    }

    /// <summary>False for a double that is infinite or not a number: JSON has no text for them.</summary>
    public bool IsFinite => IsInteger || double.IsFinite(Double);

    private static int CompareIntegerToDouble(long integer, double real)
    {
        if (double.IsNaN(real))
        {
            return 1;
        }

        if (real >= 9.2233720368547758E18)
        {
            return -1;
        }

        if (real < -9.2233720368547758E18)
        {
            return 1;
        }

        double truncated = Math.Truncate(real);
        long whole = (long)truncated;
        if (integer != whole)
        {
            return integer.CompareTo(whole);
        }

        // Equal whole parts: the fraction decides.
        return (real - truncated).CompareTo(0.0) switch { > 0 => -1, < 0 => 1, _ => 0 };
    }
}
