using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$min</c> and <c>$max</c>: replace the value if the argument is less (greater) by
/// BSON's order of values, which ranks types too (null &lt; numbers &lt; strings &lt; objects
/// &lt; arrays &lt; booleans); a missing field becomes the argument.
/// </summary>
internal sealed class CompareOperation(string op, UpdatePath path, JsonNode? argument) : FieldOperation(op, path, argument)
{
    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        if (!target.Exists)
        {
            return new SetChange(target.Steps, DocumentWriter.Copy(Argument));
        }

        int order = JsonOrder.Compare(Argument, target.Value);
        bool replace = Operator == "$min" ? order < 0 : order > 0;
        return replace ? new SetChange(target.Steps, DocumentWriter.Copy(Argument)) : null;
    }
}
