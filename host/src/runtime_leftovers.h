// What a .NET process killed by a signal leaves behind: its diagnostic IPC socket and its
// debugger pipes in the temp folder (`dotnet-diagnostic-PID-KEY-socket`,
// `clr-debug-pipe-PID-KEY-in`/`-out`), which the runtime removes only on a clean exit. The
// supervisor reaps every process it started, so it knows whose files they are.
#pragma once

#include <string>

#include <sys/types.h>

namespace dw::host {

// The runtime's temp folder: $TMPDIR, or /tmp (what the runtime itself uses).
std::string RuntimeTempDirectory();

// Removes the files the runtime of process `pid` left in `directory`; returns how many.
int RemoveRuntimeLeftovers(const std::string& directory, pid_t pid);

}  // namespace dw::host
