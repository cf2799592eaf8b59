// What every export of the C ABI shares (exports*.cpp): the handle conversions and the guard
// that keeps C++ exceptions from crossing into the managed runtime.
#pragma once

#include "dotnet_workers/dw.h"
#include "last_error.h"
#include "region.h"

namespace dw::exports {

inline dw::Region* Unwrap(dw_region* region) { return reinterpret_cast<dw::Region*>(region); }
inline const dw::Region* Unwrap(const dw_region* region) { return reinterpret_cast<const dw::Region*>(region); }
inline dw_region* Wrap(dw::Region* region) { return reinterpret_cast<dw_region*>(region); }

// Runs `body`, turning any escaping exception into DW_E_SYSTEM. The error message is
// written only on failure (dw_last_error is read only after one): touching the thread-local
// buffer on every call would cost a TLS lookup on the hot path.
template <typename F>
dw_status Guard(F&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return dw::Fail(DW_E_SYSTEM, "unexpected internal error");
  }
}

}  // namespace dw::exports
