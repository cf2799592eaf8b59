using System.Runtime.InteropServices;

namespace DotnetWorkers.Tool;

/// <summary>execv(2): this process becomes another program. .NET starts processes, it does not replace itself.</summary>
internal static unsafe partial class Exec
{
    /// <summary>Replaces this process with <paramref name="path"/> run with <paramref name="argv"/>; returns only if it could not (errno says why).</summary>
    public static void Replace(string path, string[] argv)
    {
        // Null-terminated UTF-8 strings in unmanaged memory: nothing is freed, as a successful exec frees everything.
        nint* strings = (nint*)NativeMemory.Alloc((nuint)(argv.Length + 1), (nuint)sizeof(nint));
        for (int i = 0; i < argv.Length; i++)
        {
            strings[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
        }

        strings[argv.Length] = 0;
        _ = Execv(path, strings);
    }

    [LibraryImport("libc", EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Execv(string path, nint* argv);
}
