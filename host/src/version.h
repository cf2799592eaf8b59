// The launcher's version, printed by --version: the VERSION file's, through CMake (the
// packages carry the same one, through Directory.Build.props).
#pragma once

namespace dw::host {
inline constexpr const char* kVersion = DW_VERSION;
}  // namespace dw::host
