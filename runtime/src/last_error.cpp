#include "last_error.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace dw {
namespace {

// A fixed buffer: recording an error must not allocate (it runs on out-of-memory paths).
thread_local char t_message[512];
// Set by FailQuietly, cleared by the formatting ones. FailQuietly runs on every look at an
// empty queue (a poll's most common answer): initial-exec reaches it at a fixed offset from
// the thread pointer, where the default model for a shared library calls __tls_get_addr on
// every access. Eight bytes fit the static TLS glibc keeps for libraries loaded later
// (dlopen, as the runtime loads this one).
thread_local const char* t_quiet __attribute__((tls_model("initial-exec"))) = nullptr;

}  // namespace

dw_status Fail(dw_status status, const char* format, ...) noexcept {
  t_quiet = nullptr;
  va_list args;
  va_start(args, format);
  std::vsnprintf(t_message, sizeof t_message, format, args);
  va_end(args);
  return status;
}

dw_status FailErrno(dw_status status, const char* format, ...) noexcept {
  const int saved = errno;
  t_quiet = nullptr;
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(t_message, sizeof t_message, format, args);
  va_end(args);
  if (n >= 0 && static_cast<size_t>(n) < sizeof t_message) {
    char text[128];
    // GNU strerror_r returns the message pointer (which may not be `text`).
    const char* reason = strerror_r(saved, text, sizeof text);
    std::snprintf(t_message + n, sizeof t_message - n, ": %s", reason);
  }
  errno = saved;
  return status;
}

dw_status FailQuietly(dw_status status, const char* message) noexcept {
  t_quiet = message;
  return status;
}

const char* LastError() noexcept {
  if (t_quiet != nullptr) return t_quiet;
  return t_message;
}

}  // namespace dw
