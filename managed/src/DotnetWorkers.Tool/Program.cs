// `dotnet-workers` as a .NET tool runs this first: it replaces itself (execv) with the native
// launcher shipped in launcher/ beside it, passing every argument on. After the exec there is
// no shim: the launcher is the process the shell started, with its pid, its signals and its
// exit code, as if it had been run directly.
using System.Runtime.InteropServices;
using DotnetWorkers.Tool;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

string launcher = Path.Combine(AppContext.BaseDirectory, "launcher", "dotnet-workers");
if (!File.Exists(launcher))
{
    Console.Error.WriteLine($"dotnet-workers: error: the launcher is missing ({launcher}): reinstall the tool (dotnet tool update --global dotnet-workers)");
    return 1;
}

try
{
    // A package keeps no file modes: the SDK makes the tool's command executable, not the
    // files it carries. The launcher is made so at its first run (by whoever installed it).
    UnixFileMode mode = File.GetUnixFileMode(launcher);
    if (!mode.HasFlag(UnixFileMode.UserExecute))
    {
        UnixFileMode execute = UnixFileMode.UserExecute
            | (mode.HasFlag(UnixFileMode.GroupRead) ? UnixFileMode.GroupExecute : 0)
            | (mode.HasFlag(UnixFileMode.OtherRead) ? UnixFileMode.OtherExecute : 0);
        File.SetUnixFileMode(launcher, mode | execute);
    }
}
catch (UnauthorizedAccessException)
{
    // Installed by another user: exec says whether it may run.
}

string[] argv = [launcher, .. args];
Exec.Replace(launcher, argv);
Console.Error.WriteLine($"dotnet-workers: error: cannot run {launcher}: {Marshal.GetLastPInvokeErrorMessage()}");
return 126;
