// Readiness by systemd's notify convention: every process gets NOTIFY_SOCKET, the address
// of a datagram socket the launcher reads, and SYSTEMD_EXEC_PID, its own pid (how
// Microsoft.Extensions.Hosting.Systemd's AddSystemd() tells it runs as the service's main
// process, so the Generic Host sends "READY=1" once started, with no app code). The
// library's Cluster.SignalReady() sends the same datagram. A reload waits for it before it
// stops the process that the new one replaces.
#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

namespace dw::host {

class ReadinessChannel {
 public:
  ReadinessChannel() = default;
  ReadinessChannel(const ReadinessChannel&) = delete;
  ReadinessChannel& operator=(const ReadinessChannel&) = delete;
  ~ReadinessChannel();

  // An abstract-namespace socket whose name the kernel picks (nothing on disk to remove).
  bool Open(std::string* error);

  int fd() const { return fd_; }

  // NOTIFY_SOCKET's value: "@" and the abstract name (five hex digits, the kernel's choice).
  const std::string& address() const { return address_; }

  // The pids (by the kernel's credentials, not the message) that sent "READY=1" since the
  // last call; reads whatever is pending without waiting.
  std::vector<pid_t> TakeReady();

 private:
  int fd_ = -1;
  std::string address_;
};

}  // namespace dw::host
