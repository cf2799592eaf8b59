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

bool ReadinessChannel::Open(std::string* error) {
  // An abstract name the kernel picks (autobind): nothing on disk to remove, and no clash
  // with another launcher sharing the network namespace (two containers' pid 1).
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int on = 1;
  sockaddr_un name{};
  name.sun_family = AF_UNIX;
  socklen_t length = sizeof(sa_family_t);
  if (fd_ < 0 || setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0 ||
      bind(fd_, reinterpret_cast<sockaddr*>(&name), length) != 0 ||
      (length = sizeof name, getsockname(fd_, reinterpret_cast<sockaddr*>(&name), &length)) != 0 ||
      length <= offsetof(sockaddr_un, sun_path) + 1 || name.sun_path[0] != '\0') {
    *error = std::string("cannot create the readiness socket: ") + std::strerror(errno);
    return false;
  }
  // '@' stands for the leading NUL (sd_notify(3)).
  address_ = "@" + std::string(name.sun_path + 1, length - offsetof(sockaddr_un, sun_path) - 1);
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
