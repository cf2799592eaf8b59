#include "signals.h"

#include <cerrno>
#include <cstring>

#include <string.h>
#include <sys/signalfd.h>

#include "dotnet_workers/supervisor_requests.h"

namespace dw::host {

bool OpenSupervisorSignals(SupervisorSignals* signals, std::string* error) {
  // Blocking does not change a signal's disposition: if SIGCHLD was inherited as ignored
  // the kernel would reap the children itself and waitpid would never report them.
  signal(SIGCHLD, SIG_DFL);
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, layout::RequestSignal()}) sigaddset(&handled, s);
  if (sigprocmask(SIG_BLOCK, &handled, &signals->original_mask) != 0) {
    *error = std::string("cannot block signals: ") + std::strerror(errno);
    return false;
  }
  signals->fd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signals->fd < 0) {
    *error = std::string("cannot create a signalfd: ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::string SignalName(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

}  // namespace dw::host
