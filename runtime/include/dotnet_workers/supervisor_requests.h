// What a process of the cluster (or the CLI) asks of the launcher: a real-time signal sent
// with sigqueue(3) to the launcher's pid (the region header's launcher_pid), whose value says
// what and for which process. Real-time signals queue (SIGUSR1 would merge two requests sent
// close together into one). The launcher reads them from its signalfd: no thread, no
// socket, nothing a dying requester could leave half written. The kernel lets only the
// cluster's own user send them. See docs/protocol.md, "Supervisor requests".
#ifndef DOTNET_WORKERS_SUPERVISOR_REQUESTS_H
#define DOTNET_WORKERS_SUPERVISOR_REQUESTS_H

#include <csignal>
#include <cstdint>

namespace dw::layout {

// SIGRTMIN + 5: glibc takes the first real-time signals for itself and CoreCLR uses SIGRTMIN
// (SIGRTMIN is a run-time value, hence a function).
inline int RequestSignal() { return SIGRTMIN + 5; }

inline constexpr uint32_t kRequestRestart = 1;  // stop worker `id` gracefully, then start it again (same id and role)
inline constexpr uint32_t kRequestStop = 2;     // stop worker `id` gracefully, for good
inline constexpr uint32_t kRequestStart =
    3;  // start a new worker for entry `id`, which the requester claimed (kProcessRequested)

inline constexpr uint32_t kRequestReload = 4;  // replace worker `id` with a new process of its role, which takes its
                                               // sockets; the old one stops once the new one is ready

// The signal's value: the kind in the high 16 bits, the process id in the low 16.
constexpr int32_t EncodeRequest(uint32_t kind, uint32_t id) {
  return static_cast<int32_t>((kind << 16) | (id & 0xffff));
}
constexpr uint32_t RequestKind(int32_t value) { return static_cast<uint32_t>(value) >> 16; }
constexpr uint32_t RequestId(int32_t value) { return static_cast<uint32_t>(value) & 0xffff; }

}  // namespace dw::layout

#endif
