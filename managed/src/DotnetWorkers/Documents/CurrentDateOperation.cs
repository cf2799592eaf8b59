using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$currentDate</c>: JSON has no date type, so <c>true</c> or <c>{"$type": "date"}</c>
/// writes the time as an ISO 8601 UTC string with milliseconds
/// (<c>"2026-01-02T03:04:05.678Z"</c>), and <c>{"$type": "timestamp"}</c> as Unix
/// milliseconds (an integer).
/// </summary>
internal sealed class CurrentDateOperation : FieldOperation
{
    private readonly bool _timestamp;

    public CurrentDateOperation(UpdatePath path, JsonNode? argument)
        : base("$currentDate", path, argument)
    {
        switch (argument)
        {
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                break;
            case JsonObject o when o.Count == 1 && o.TryGetPropertyValue("$type", out JsonNode? type):
                string? name = type is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
                if (name is not ("date" or "timestamp"))
                {
                    throw Error("BadValue", $"The '$type' string field is required to be 'date' or 'timestamp': {UpdateTarget.Render(path.Text, argument)}");
                }

                _timestamp = name == "timestamp";
                break;
            default:
                throw Error("BadValue",
                    $"{UpdateTarget.Render(path.Text, argument)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({{$type: 'timestamp/date'}}).");
        }
    }

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        JsonNode now = _timestamp
            ? JsonValue.Create(context.Now.ToUnixTimeMilliseconds())
            : JsonValue.Create(context.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        return new SetChange(target.Steps, now);
    }
}
