// Checks, before anything is started, that the path names a framework-dependent .NET app,
// so a typo or a wrong file gives one clear line instead of a runtime error per process.
#pragma once

#include <string>

namespace dw::host {

// Returns true if `path` is a .NET app the launcher can run; otherwise *error says why.
bool CheckDotnetApp(const std::string& path, std::string* error);

}  // namespace dw::host
