using System.Diagnostics;

namespace DotnetWorkers.Bench;

/// <summary>The programs a suite compares against or drives (redis-server, wrk), installed from Debian's packages when the machine lacks them.</summary>
internal static class DebianPackages
{
    /// <summary>
    /// The first of <paramref name="paths"/> that exists; if none does, installs
    /// <paramref name="package"/> with apt-get and looks again. Null, with the reason in
    /// <paramref name="whyNot"/>, if it still is not there.
    /// </summary>
    internal static string? FindOrInstall(string package, string[] paths, out string? whyNot)
    {
        whyNot = null;
        string? found = paths.FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        if (!File.Exists("/usr/bin/apt-get"))
        {
            whyNot = $"{package} is not installed and there is no apt-get to install it";
            return null;
        }

        Console.WriteLine($"installing {package} with apt-get (not on this machine yet)...");
        string sudo = Environment.UserName == "root" ? "" : "sudo ";
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq {package}"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process install = Process.Start(info)!;
        Task<string> errors = install.StandardError.ReadToEndAsync();
        install.StandardOutput.ReadToEnd();
        if (!install.WaitForExit(TimeSpan.FromMinutes(5)) || install.ExitCode != 0)
        {
            whyNot = $"installing {package} failed: {errors.Result.Trim().Split('\n').LastOrDefault()}";
            return null;
        }

        found = paths.FirstOrDefault(File.Exists);
        whyNot = found is null ? $"{package} is installed but none of {string.Join(", ", paths)} exists" : null;
        return found;
    }
}
