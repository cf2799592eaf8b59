// `dotnet-workers ps|top|inspect|stop|restart ...`: the CLI for running clusters is a C#
// program (System.CommandLine) shipped next to the launcher; the launcher boots CoreCLR in
// its own process and runs it, so the command users type stays one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dw::host {

// The path of `relative` in the directory the launcher is installed in ("cli/DotnetWorkers.Cli.dll"),
// or empty if /proc/self/exe cannot be read.
std::string InstalledPath(std::string_view relative);

// True for the first arguments that name a CLI verb rather than an app.
bool IsCliVerb(std::string_view first);

// Runs the CLI with `args` (the verb first). Returns its exit code; 1 with one line on
// stderr if the CLI cannot be found or started.
int RunCli(const std::vector<std::string>& args);

}  // namespace dw::host
