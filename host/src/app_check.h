// Checks, before anything is started, that the path names an app the launcher can run (a
// framework-dependent .NET app, or a NativeAOT-published executable), so a typo or a wrong
// file gives one clear line instead of a runtime error per process.
#pragma once

#include <string>

namespace dw::host {

enum class AppKind {
  kManaged,  // app.dll with app.runtimeconfig.json beside it: CoreCLR boots in every process
  kNative,   // a NativeAOT executable: exec'd in every process
};

// Returns true if `path` is an app the launcher can run, and which kind; otherwise *error says why.
bool CheckDotnetApp(const std::string& path, AppKind* kind, std::string* error);

}  // namespace dw::host
