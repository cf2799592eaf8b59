// The signals the launcher handles itself, through a signalfd, so its supervision loop
// stays single-threaded and nothing runs in a signal handler.
#pragma once

#include <csignal>
#include <string>

namespace dw::host {

struct SupervisorSignals {
  int fd = -1;             // signalfd for SIGCHLD, SIGINT, SIGTERM, SIGHUP and the supervisor requests (SIGRTMIN+5)
  sigset_t original_mask;  // what children restore before they boot the runtime
};

// Blocks the handled signals and opens the signalfd. Must run before the first fork, so
// a child that exits at once is still reported.
bool OpenSupervisorSignals(SupervisorSignals* signals, std::string* error);

// "SIGSEGV" for 11.
std::string SignalName(int signal);

}  // namespace dw::host
