// Boots CoreCLR through hostfxr, split so that everything that can be resolved once
// (finding hostfxr, reading the app's runtimeconfig, resolving the framework, loading
// hostpolicy and the runtime's native libraries) happens in the launcher before fork,
// and each child only runs the part that must be its own: starting the runtime.
#pragma once

#include <string>
#include <vector>

namespace dw::host {

class ClrBoot {
 public:
  // Finds hostfxr with nethost (DOTNET_ROOT, then the global install) and loads it.
  bool Resolve(std::string* error);

  // hostfxr_initialize_for_dotnet_command_line: reads app.runtimeconfig.json, resolves
  // the framework, loads hostpolicy. Starts no thread, so the launcher can still fork.
  // On failure *error is one line; Detail() has hostfxr's own text.
  bool Initialize(const std::string& app_path, const std::vector<std::string>& app_args, std::string* error);

  // What hostfxr wrote about the last failure of Initialize (several lines), or empty.
  const std::string& Detail() const { return detail_; }

  // Loads the framework's runtime libraries (coreclr, the JIT, System.Native) into this
  // process so forked children share them instead of each loading and relocating them.
  // Best effort: a library that fails to load is left for the child to load.
  void PreloadRuntime();

  // Starts the runtime and runs Main. Returns Main's exit code (or hostfxr's error code).
  int RunApp();

  // Resolve, Initialize and RunApp in this process, for an app started without fork (a
  // --spawn child, the CLI): one error line and 1 if the runtime cannot start.
  static int ResolveAndRun(const std::string& app_path, const std::vector<std::string>& app_args);

 private:
  void* hostfxr_ = nullptr;
  void* initialize_ = nullptr;
  void* run_app_ = nullptr;
  void* get_property_ = nullptr;
  void* set_error_writer_ = nullptr;
  void* context_ = nullptr;
  std::string dotnet_root_;
  std::string detail_;
};

}  // namespace dw::host
