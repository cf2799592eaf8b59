// --listen: the sockets the launcher binds before any process starts and hands to each
// process by the systemd socket-activation convention (LISTEN_FDS, LISTEN_PID,
// LISTEN_FDNAMES, descriptors from 3 on), so an unchanged server that follows it (Kestrel
// with UseSystemd()) serves the port from every process.
//
// A TCP address gets one SO_REUSEPORT socket per process id (the kernel spreads new
// connections evenly over the sockets of a group; one shared socket piles the accepts onto
// whichever processes wake first). The launcher keeps every socket: connections queued on
// the socket of a worker that dies wait for its revived successor, which inherits the same
// socket. A Unix socket path is one socket every process shares.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dw::host {

struct ListenSpec {
  std::string text;  // as given, for messages
  std::string host;  // TCP: a name or a numeric address ("" = every interface)
  uint16_t port = 0;
  std::string path;  // a Unix socket instead (contains a '/')
  std::string role;  // only the processes of this role ("" = every process)

  bool IsUnix() const { return !path.empty(); }
  // Its LISTEN_FDNAMES entry: the port, or the socket file's name.
  std::string FdName() const;
};

// "8080", "127.0.0.1:8080", "[::1]:8080", "localhost:8080", "/run/app.sock", each
// optionally followed by "=ROLE". nullopt with a one-line *error otherwise.
std::optional<ListenSpec> ParseListen(std::string_view text, std::string* error);

// The first descriptor a process inherits (SD_LISTEN_FDS_START).
inline constexpr int kFirstListenFd = 3;

class Listeners {
 public:
  Listeners() = default;
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;
  ~Listeners();  // closes every socket, removes the Unix socket files it created

  // Checks and binds every spec once (a taken port, an address that does not resolve or
  // is not this machine's, a path that exists: false with a one-line *error).
  bool Open(const std::vector<ListenSpec>& specs, std::string* error);

  // Keeps descriptors kFirstListenFd.. of this process free of anything the launcher
  // opens later, so each child can put its sockets there without moving its own fds.
  // Call before the launcher opens anything.
  static void ReserveLowDescriptors(size_t count);

  // The sockets process `id` of `role` inherits, in the order given, with their names
  // (created for an id on its first start). false with *error if a socket cannot be made.
  bool SocketsFor(uint32_t id, std::string_view role, std::vector<int>* fds, std::vector<std::string>* names,
                  std::string* error);

  // Every descriptor the launcher holds for listening: a child closes those it does not inherit.
  std::vector<int> AllFds() const;

  // Process `id` ended and nothing takes its place: its sockets are closed, so no new
  // connection waits on a socket nobody accepts from (the spread moves to the others).
  void Release(uint32_t id);

  // Process `to` takes the sockets of process `from` (a reload's new process; back if it fails).
  void Transfer(uint32_t from, uint32_t to);

  bool empty() const { return specs_.empty(); }

 private:
  struct Bound {
    ListenSpec spec;
    std::vector<uint8_t> address;  // the resolved sockaddr (TCP)
    int family = 0;
    int shared_fd = -1;                            // a Unix socket's one descriptor
    std::vector<std::pair<uint32_t, int>> per_id;  // TCP: the socket of each process id
    bool unlink_at_exit = false;
  };

  bool BindTcp(Bound& bound, int* fd, std::string* error) const;

  std::vector<Bound> specs_;
};

}  // namespace dw::host
