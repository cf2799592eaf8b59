namespace System.Runtime.CompilerServices;

/// <summary>Lets records and init accessors compile for netstandard2.0, where the runtime does not define it.</summary>
internal static class IsExternalInit
{
}
