// The launcher's version, printed by --version.
#pragma once

namespace dw::host {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace dw::host
