// The calling thread's message for its last failed dw_ call (dw_last_error()).
#pragma once

#include "dotnet_workers/dw_status.h"

namespace dw {

// Records a printf-style message for this thread and returns `status`, so a failure
// path reads `return Fail(DW_E_..., "what went wrong: %s", detail);`.
[[gnu::format(printf, 2, 3)]] dw_status Fail(dw_status status, const char* format, ...) noexcept;

// Same, with strerror(errno) appended as ": <text>".
[[gnu::format(printf, 2, 3)]] dw_status FailErrno(dw_status status, const char* format, ...) noexcept;

// Same, with a fixed message and no formatting: for outcomes a caller expects on a hot path
// (a non-blocking read of an empty queue), where formatting would cost more than the call.
dw_status FailQuietly(dw_status status, const char* message) noexcept;

const char* LastError() noexcept;

}  // namespace dw
