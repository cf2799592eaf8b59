// --join redis://HOST[:PORT]/NAME: the Redis (or Garnet) server through which this launcher's
// cluster becomes one cluster with the launchers of other machines that join the same NAME.
// The launcher itself speaks no Redis: it checks the address, that something accepts TCP
// connections there (so a typo is one line at start, not a hang in every process), and
// hands the address to the processes, whose library connects with StackExchange.Redis.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dw::host {

struct JoinAddress {
  bool tls = false;  // rediss://
  std::string host;  // a name, an IPv4 address, or an IPv6 one (given in brackets)
  uint16_t port = 6379;
  std::string name;  // the cluster's name on the server: every key it uses starts with it

  // The address without secrets, normalized: "redis://HOST:PORT/NAME" (IPv6 in brackets).
  std::string Url() const;
};

// Parses "redis://HOST[:PORT]/NAME" or "rediss://...". A user or password in the URL is
// refused (it would show in `ps` and /proc/PID/cmdline): the password comes from
// DOTNET_WORKERS_REDIS_PASSWORD or --join-password-file. nullopt with a one-line *error.
std::optional<JoinAddress> ParseJoinAddress(std::string_view text, std::string* error);

// Whether a TCP connection to the address is accepted within `timeout_ms` (every resolved
// address is tried). False with a one-line *error naming the address and the reason.
bool CheckJoinReachable(const JoinAddress& address, int timeout_ms, std::string* error);

// An id no other launcher has, now or before: this machine's name, the launcher's pid and
// 64 random bits. The processes of one launcher claim their host index under it.
std::string MakeHostInstanceId();

}  // namespace dw::host
