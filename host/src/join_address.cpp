#include "join_address.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher_api.h"

namespace dw::host {
namespace {

constexpr std::string_view kPlain = "redis://";
constexpr std::string_view kTls = "rediss://";

// Milliseconds on the monotonic clock.
int64_t NowMs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

// One attempt at one resolved address: a non-blocking connect bounded by `deadline_ms`
// (NowMs()). 0 when it was accepted, else the errno that says why not (ETIMEDOUT for the bound).
int TryConnect(const addrinfo& address, int64_t deadline_ms) {
  int fd = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol);
  if (fd < 0) return errno;
  int result = 0;
  if (connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    result = errno;
    if (result == EINPROGRESS) {
      pollfd waiting{fd, POLLOUT, 0};
      int ready;
      do {  // a signal (the terminal's, a debugger's) is not the server's answer
        ready = poll(&waiting, 1, static_cast<int>(std::max<int64_t>(0, deadline_ms - NowMs())));
      } while (ready < 0 && errno == EINTR);
      socklen_t length = sizeof(result);
      if (ready == 0) {
        result = ETIMEDOUT;
      } else if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &result, &length) != 0) {
        result = errno;
      }
    }
  }
  close(fd);
  return result;
}

}  // namespace

std::string JoinAddress::Url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? kTls : kPlain) + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + name;
}

std::optional<JoinAddress> ParseJoinAddress(std::string_view text, std::string* error) {
  const std::string quoted = "invalid --join '" + std::string(text) + "': ";
  JoinAddress address;
  std::string_view rest;
  if (text.substr(0, kTls.size()) == kTls) {
    address.tls = true;
    rest = text.substr(kTls.size());
  } else if (text.substr(0, kPlain.size()) == kPlain) {
    rest = text.substr(kPlain.size());
  } else {
    *error = quoted + "expected redis://HOST[:PORT]/NAME or rediss://HOST[:PORT]/NAME";
    return std::nullopt;
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    *error = quoted +
             "a user or password in the URL would show in `ps`: give the password in "
             "DOTNET_WORKERS_REDIS_PASSWORD or --join-password-file";
    return std::nullopt;
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = quoted + "an IPv6 address needs its closing ']'";
      return std::nullopt;
    }
    address.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        *error = quoted + "expected ':PORT' after ']'";
        return std::nullopt;
      }
      port_text = after.substr(1);
      if (port_text.empty()) port_text = "x";  // "host:" with nothing after it
    }
  } else {
    const size_t colon = authority.find(':');
    address.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) port_text = "x";
    }
  }
  if (address.host.empty()) {
    *error = quoted + "no host";
    return std::nullopt;
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      *error = quoted + "the port must be 1 to 65535";
      return std::nullopt;
    }
    address.port = static_cast<uint16_t>(port);
  }
  std::string_view name = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (name.empty()) {
    *error = quoted + "no cluster name: end the URL with /NAME, the same on every machine that joins";
    return std::nullopt;
  }
  // The rule of roles and --name: the name starts every key, so it stays printable and short.
  if (!IsValidRoleName(name)) {
    *error = quoted + "the cluster name must be 1-31 letters, digits, '_', '-' or '.'";
    return std::nullopt;
  }
  address.name = std::string(name);
  return address;
}

bool CheckJoinReachable(const JoinAddress& address, int timeout_ms, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (int status = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); status != 0) {
    *error = "--join " + address.Url() + ": cannot resolve '" + address.host + "': " + gai_strerror(status);
    return false;
  }
  // One bound for all the addresses a name resolves to; the first address's reason is the one told.
  const int64_t deadline = NowMs() + timeout_ms;
  int reason = 0;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int tried = TryConnect(*a, deadline);
    if (tried == 0) {
      reason = 0;
      break;
    }
    if (reason == 0) reason = tried;
    if (NowMs() >= deadline) break;
  }
  if (found == nullptr) reason = ECONNREFUSED;
  freeaddrinfo(found);
  if (reason == 0) return true;
  *error = "--join " + address.Url() + ": cannot connect: " + std::strerror(reason) +
           " (is the Redis or Garnet server running there?)";
  return false;
}

std::string MakeHostInstanceId() {
  char machine[256] = {};
  if (gethostname(machine, sizeof(machine) - 1) != 0) std::strcpy(machine, "unknown");
  uint64_t random = 0;
  if (getrandom(&random, sizeof(random), 0) != static_cast<ssize_t>(sizeof(random))) {
    random = static_cast<uint64_t>(getpid()) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(time(nullptr));
  }
  char hex[17];
  for (int i = 0; i < 16; ++i) hex[i] = "0123456789abcdef"[(random >> (60 - 4 * i)) & 0xF];
  hex[16] = '\0';
  return std::string(machine) + ":" + std::to_string(getpid()) + ":" + hex;
}

}  // namespace dw::host
