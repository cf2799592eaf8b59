#include "listeners.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "launcher_api.h"
#include "options.h"

namespace dw::host {
namespace {

std::string Invalid(std::string_view text) {
  return "invalid --listen '" + std::string(text) +
         "': expected [HOST:]PORT (PORT 1-65535; HOST a name, an IPv4 address or [IPv6]) or a Unix socket path "
         "containing '/', either optionally followed by =ROLE";
}

std::optional<uint16_t> ParsePort(std::string_view text) {
  uint32_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(port);
}

std::string Describe(const ListenSpec& spec) {
  if (spec.IsUnix()) return spec.path;
  if (spec.host.empty()) return "port " + std::to_string(spec.port);
  const bool v6 = spec.host.find(':') != std::string::npos;
  return (v6 ? "[" + spec.host + "]" : spec.host) + ":" + std::to_string(spec.port);
}

void SetOption(int fd, int level, int name, int value) { (void)setsockopt(fd, level, name, &value, sizeof value); }

}  // namespace

std::string ListenSpec::FdName() const {
  std::string name = IsUnix() ? path.substr(path.rfind('/') + 1) : std::to_string(port);
  for (char& c : name) {
    if (c == ':') c = '_';  // the separator of LISTEN_FDNAMES
  }
  return name.empty() ? "unix" : name;
}

std::optional<ListenSpec> ParseListen(std::string_view text, std::string* error) {
  ListenSpec spec;
  spec.text = std::string(text);
  std::string_view address = text;
  // "=ROLE" last: a role name has no '/', ':' or '=' (IsValidRoleName).
  if (size_t eq = text.rfind('='); eq != std::string_view::npos) {
    std::string_view role = text.substr(eq + 1);
    if (!IsValidRoleName(role)) {
      *error =
          "invalid --listen '" + std::string(text) + "': the role after '=' is 1-31 letters, digits, '_', '-' or '.'";
      return std::nullopt;
    }
    spec.role = std::string(role);
    address = text.substr(0, eq);
  }
  if (address.find('/') != std::string_view::npos) {
    if (address.size() >= sizeof(sockaddr_un{}.sun_path)) {
      *error = "invalid --listen '" + std::string(text) + "': a Unix socket path is at most " +
               std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes";
      return std::nullopt;
    }
    spec.path = std::string(address);
    return spec;
  }
  std::string_view port = address;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= address.size() || address[close + 1] != ':') {
      *error = Invalid(text);
      return std::nullopt;
    }
    spec.host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
  } else if (size_t colon = address.rfind(':'); colon != std::string_view::npos) {
    spec.host = std::string(address.substr(0, colon));
    port = address.substr(colon + 1);
    if (spec.host.empty() || spec.host.find(':') != std::string::npos) {
      *error = Invalid(text);  // an IPv6 address goes in brackets
      return std::nullopt;
    }
  }
  std::optional<uint16_t> number = ParsePort(port);
  if (!number) {
    *error = Invalid(text);
    return std::nullopt;
  }
  spec.port = *number;
  return spec;
}

Listeners::~Listeners() {
  for (Bound& bound : specs_) {
    if (bound.shared_fd >= 0) close(bound.shared_fd);
    for (auto& [id, fd] : bound.per_id) close(fd);
    if (bound.unlink_at_exit) unlink(bound.spec.path.c_str());
  }
}

void Listeners::ReserveLowDescriptors(size_t count) {
  int null = -1;
  for (int fd = kFirstListenFd; fd < kFirstListenFd + static_cast<int>(count); ++fd) {
    if (fcntl(fd, F_GETFD) != -1) continue;  // open already (inherited): the children replace it
    if (null < 0) null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0) return;
    if (null != fd && fcntl(null, F_DUPFD_CLOEXEC, fd) != fd) return;
  }
  if (null >= kFirstListenFd + static_cast<int>(count)) close(null);
}

bool Listeners::Open(const std::vector<ListenSpec>& specs, std::string* error) {
  for (const ListenSpec& spec : specs) {
    Bound bound;
    bound.spec = spec;
    if (spec.IsUnix()) {
      struct stat st {};
      if (lstat(spec.path.c_str(), &st) == 0) {
        *error = "--listen " + spec.text + ": " + spec.path + " exists (remove it, or choose another path)";
        return false;
      }
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::memcpy(address.sun_path, spec.path.c_str(), spec.path.size());
      int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        *error = "--listen " + spec.text + ": cannot create the socket " + spec.path + ": " + std::strerror(errno);
        if (fd >= 0) close(fd);
        return false;
      }
      bound.unlink_at_exit = true;
      bound.shared_fd = fd;
      if (listen(fd, SOMAXCONN) != 0) {
        *error = "--listen " + spec.text + ": cannot listen on " + spec.path + ": " + std::strerror(errno);
        specs_.push_back(std::move(bound));  // closed and removed by the destructor
        return false;
      }
      specs_.push_back(std::move(bound));
      continue;
    }

    if (spec.host.empty()) {
      // Every interface: one dual-stack IPv6 socket, or IPv4 where IPv6 is off.
      int probe = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (probe >= 0) {
        close(probe);
        sockaddr_in6 any{};
        any.sin6_family = AF_INET6;
        any.sin6_addr = in6addr_any;
        any.sin6_port = htons(spec.port);
        bound.family = AF_INET6;
        bound.address.assign(reinterpret_cast<uint8_t*>(&any), reinterpret_cast<uint8_t*>(&any) + sizeof any);
      } else {
        sockaddr_in any{};
        any.sin_family = AF_INET;
        any.sin_addr.s_addr = htonl(INADDR_ANY);
        any.sin_port = htons(spec.port);
        bound.family = AF_INET;
        bound.address.assign(reinterpret_cast<uint8_t*>(&any), reinterpret_cast<uint8_t*>(&any) + sizeof any);
      }
    } else {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_NUMERICSERV;
      addrinfo* found = nullptr;
      const std::string port = std::to_string(spec.port);
      if (int rc = getaddrinfo(spec.host.c_str(), port.c_str(), &hints, &found); rc != 0 || found == nullptr) {
        *error = "--listen " + spec.text + ": cannot resolve '" + spec.host + "': " + gai_strerror(rc);
        return false;
      }
      bound.family = found->ai_family;
      bound.address.assign(reinterpret_cast<uint8_t*>(found->ai_addr),
                           reinterpret_cast<uint8_t*>(found->ai_addr) + found->ai_addrlen);
      freeaddrinfo(found);
    }

    // A socket without SO_REUSEPORT first: it fails if anyone listens there (our group's
    // sockets would otherwise join another cluster's of the same user and share its load).
    int probe = socket(bound.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
      *error = "--listen " + spec.text + ": cannot create a socket: " + std::strerror(errno);
      return false;
    }
    SetOption(probe, SOL_SOCKET, SO_REUSEADDR, 1);
    if (bound.family == AF_INET6) SetOption(probe, IPPROTO_IPV6, IPV6_V6ONLY, 0);
    const bool free = bind(probe, reinterpret_cast<const sockaddr*>(bound.address.data()),
                           static_cast<socklen_t>(bound.address.size())) == 0;
    const int bind_errno = errno;
    close(probe);
    if (!free) {
      *error = "--listen " + spec.text + ": cannot bind " + Describe(spec) + ": " + std::strerror(bind_errno) +
               (bind_errno == EADDRINUSE ? " (another process listens there)" : "");
      return false;
    }
    specs_.push_back(std::move(bound));
  }
  return true;
}

bool Listeners::BindTcp(Bound& bound, int* out, std::string* error) const {
  int fd = socket(bound.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = "--listen " + bound.spec.text + ": cannot create a socket: " + std::strerror(errno);
    return false;
  }
  SetOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  SetOption(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  if (bound.family == AF_INET6) SetOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
  if (bind(fd, reinterpret_cast<const sockaddr*>(bound.address.data()), static_cast<socklen_t>(bound.address.size())) !=
          0 ||
      listen(fd, SOMAXCONN) != 0) {
    *error = "--listen " + bound.spec.text + ": cannot bind " + Describe(bound.spec) + ": " + std::strerror(errno);
    close(fd);
    return false;
  }
  *out = fd;
  return true;
}

bool Listeners::SocketsFor(uint32_t id, std::string_view role, std::vector<int>* fds, std::vector<std::string>* names,
                           std::string* error) {
  fds->clear();
  names->clear();
  std::vector<std::pair<Bound*, int>> created;  // closed again if a later one fails
  for (Bound& bound : specs_) {
    // A --listen for every role is the app's: the dashboard serves only its own --http.
    if (bound.spec.role.empty() ? role == kDashboardRole : bound.spec.role != role) continue;
    int fd = bound.shared_fd;
    if (!bound.spec.IsUnix()) {
      fd = -1;
      for (auto& [owner, socket] : bound.per_id) {
        if (owner == id) fd = socket;
      }
      if (fd < 0) {
        if (!BindTcp(bound, &fd, error)) {
          for (auto& [owner, socket] : created) {
            close(socket);
            std::erase(owner->per_id, std::pair<uint32_t, int>(id, socket));
          }
          return false;
        }
        bound.per_id.emplace_back(id, fd);
        created.emplace_back(&bound, fd);
      }
    }
    fds->push_back(fd);
    names->push_back(bound.spec.FdName());
  }
  return true;
}

std::vector<int> Listeners::AllFds() const {
  std::vector<int> all;
  for (const Bound& bound : specs_) {
    if (bound.shared_fd >= 0) all.push_back(bound.shared_fd);
    for (const auto& [id, fd] : bound.per_id) all.push_back(fd);
  }
  return all;
}

void Listeners::Release(uint32_t id) {
  for (Bound& bound : specs_) {
    for (auto it = bound.per_id.begin(); it != bound.per_id.end(); ++it) {
      if (it->first == id) {
        close(it->second);
        bound.per_id.erase(it);
        break;
      }
    }
  }
}

void Listeners::Transfer(uint32_t from, uint32_t to) {
  for (Bound& bound : specs_) {
    for (auto& [id, fd] : bound.per_id) {
      if (id == from) id = to;
    }
  }
}

}  // namespace dw::host
