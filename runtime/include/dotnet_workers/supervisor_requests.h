// What a process of the cluster (or the CLI) asks of the launcher: a real-time-safe signal,
// SIGUSR1 sent with sigqueue(3) to the launcher's pid (the region header's launcher_pid),
// whose value says what and for which process. The launcher reads it from its signalfd:
// no thread, no socket, nothing a dying requester could leave half written. The kernel lets
// only the cluster's own user send it. See docs/protocol.md, "Supervisor requests".
#ifndef DOTNET_WORKERS_SUPERVISOR_REQUESTS_H
#define DOTNET_WORKERS_SUPERVISOR_REQUESTS_H

#include <csignal>
#include <cstdint>

namespace dw::layout {

inline constexpr int kRequestSignal = SIGUSR1;

inline constexpr uint32_t kRequestRestart = 1;  // stop worker `id` gracefully, then start it again (same id and role)
inline constexpr uint32_t kRequestStop = 2;     // stop worker `id` gracefully, for good

// The signal's value: the kind in the high 16 bits, the process id in the low 16.
constexpr int32_t EncodeRequest(uint32_t kind, uint32_t id) {
  return static_cast<int32_t>((kind << 16) | (id & 0xffff));
}
constexpr uint32_t RequestKind(int32_t value) { return static_cast<uint32_t>(value) >> 16; }
constexpr uint32_t RequestId(int32_t value) { return static_cast<uint32_t>(value) & 0xffff; }

}  // namespace dw::layout

#endif
