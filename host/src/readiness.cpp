#include "readiness.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string_view>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace dw::host {

ReadinessChannel::~ReadinessChannel() {
  if (fd_ >= 0) close(fd_);
}

bool ReadinessChannel::Open(pid_t launcher_pid, std::string* error) {
  address_ = "@dotnet-workers/" + std::to_string(launcher_pid) + "/notify";
  sockaddr_un name{};
  name.sun_family = AF_UNIX;
  // Abstract: a leading NUL instead of the '@', and the length says where the name ends.
  std::memcpy(name.sun_path + 1, address_.data() + 1, address_.size() - 1);
  const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int on = 1;
  if (fd_ < 0 || setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
      bind(fd_, reinterpret_cast<sockaddr*>(&name), length) != 0) {
    *error = std::string("cannot create the readiness socket ") + address_ + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::vector<pid_t> ReadinessChannel::TakeReady() {
  std::vector<pid_t> ready;
  for (;;) {
    char text[1024];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec io{text, sizeof text - 1};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd_, &message, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ready;  // EAGAIN: nothing more
    }
    pid_t sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials;
        std::memcpy(&credentials, CMSG_DATA(c), sizeof credentials);
        sender = credentials.pid;
      }
    }
    // Newline-separated assignments (sd_notify(3)); only READY=1 matters here.
    std::string_view body(text, static_cast<size_t>(n));
    for (size_t start = 0; start <= body.size();) {
      size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      if (body.substr(start, end - start) == "READY=1" && sender > 0) ready.push_back(sender);
      start = end + 1;
    }
  }
}

}  // namespace dw::host
