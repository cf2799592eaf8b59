// How the CLI finds running clusters without a server inside them: the launcher writes a
// small file per cluster into a folder only its user can read (docs/protocol.md, "Cluster
// registrations"), and removes it when it exits. A launcher killed with SIGKILL leaves its
// file behind; readers ignore a file whose pid is not a live launcher.
#pragma once

#include <cstdint>
#include <string>

#include <sys/types.h>

namespace dw::host {

struct RegistrationInfo {
  std::string name;    // --name, or the app's file name without its extension
  std::string app;     // the app's absolute path
  pid_t pid = 0;       // the launcher's
  int region_fd = -1;  // the region's memfd in the launcher: /proc/PID/fd/N
  uint32_t workers = 0;
  uint64_t started_unix_ms = 0;
  uint64_t start_ticks = 0;  // /proc/PID/stat field 22: tells this launcher from a later process with its pid
};

// This process's start time in clock ticks since boot (/proc/self/stat field 22), or 0.
uint64_t OwnStartTicks();

// $XDG_RUNTIME_DIR/dotnet-workers when XDG_RUNTIME_DIR is set, else /tmp/dotnet-workers-UID.
std::string RegistrationDirectory();

// Creates the folder (0700) if needed and checks it is a folder this user owns that no one
// else can read; then writes PID.cluster atomically. False with *error if it cannot: the
// cluster runs anyway, only the CLI will not see it.
bool WriteRegistration(const RegistrationInfo& info, std::string* error);

// Removes what WriteRegistration wrote (at exit).
void RemoveRegistration(pid_t pid);

// The name a cluster of `app` gets without --name: "Fib" for ".../Fib.dll" or ".../Fib".
std::string DefaultClusterName(const std::string& app);

}  // namespace dw::host
