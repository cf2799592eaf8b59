using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$inc</c> and <c>$mul</c>. A missing field becomes the increment (<c>$inc</c>) or zero
/// (<c>$mul</c>); integers stay integers, and an integer result past 64 bits is refused.
/// </summary>
internal sealed class ArithmeticOperation : FieldOperation
{
    private readonly JsonNumber _operand;

    public ArithmeticOperation(string op, UpdatePath path, JsonNode? argument)
        : base(op, path, argument)
    {
        if (!JsonNumber.TryRead(argument, out _operand))
        {
            throw Error("TypeMismatch",
                $"Cannot {Verb} with non-numeric argument: {UpdateTarget.Render(path.Text, argument)}");
        }
    }

    private bool IsIncrement => Operator == "$inc";

    private string Verb => IsIncrement ? "increment" : "multiply";

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        if (!target.Exists)
        {
            return new SetChange(target.Steps, IsIncrement ? _operand.ToNode() : JsonNumber.Zero(_operand.IsInteger).ToNode());
        }

        if (!JsonNumber.TryRead(target.Value, out JsonNumber current))
        {
            throw Error("TypeMismatch",
                $"Cannot apply {Operator} to a value of non-numeric type. The field '{target.Dotted}' has non-numeric type {JsonTypeName.Of(target.Value)}: {UpdateTarget.Render(target.Steps[^1], target.Value)}");
        }

        JsonNumber result = (IsIncrement ? JsonNumber.Add(current, _operand) : JsonNumber.Multiply(current, _operand))
            ?? throw Error("BadValue",
                $"Failed to apply {Operator} operations to current value ({current.Integer}) of the field '{target.Dotted}': the integer result would overflow 64 bits");
        if (!result.IsFinite)
        {
            throw Error("BadValue", $"Failed to apply {Operator} to the field '{target.Dotted}': the result is not a finite number, which JSON cannot hold");
        }

        return new SetChange(target.Steps, result.ToNode());
    }
}
