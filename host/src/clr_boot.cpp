#include "clr_boot.h"

#include <cstdio>

#include <dlfcn.h>
#include <limits.h>

#include <hostfxr.h>
#include <nethost.h>

#include "hostfxr_errors.h"

namespace dw::host {
namespace {

// hostfxr reports failures through an error writer; the launcher collects them to print
// one line of its own with hostfxr's explanation after it.
std::string g_hostfxr_messages;

void CollectHostfxrMessage(const char_t* message) {
  if (!g_hostfxr_messages.empty()) g_hostfxr_messages += "\n";
  g_hostfxr_messages += message;
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string Hex(int32_t code) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", static_cast<uint32_t>(code));
  return buffer;
}

}  // namespace

bool ClrBoot::Resolve(std::string* error) {
  char path[PATH_MAX];
  size_t size = sizeof path;
  int rc = get_hostfxr_path(path, &size, nullptr);
  if (rc != 0) {
    *error = "cannot find the .NET runtime (hostfxr, " + Hex(rc) + "): install .NET or set DOTNET_ROOT to its folder";
    return false;
  }
  hostfxr_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (hostfxr_ == nullptr) {
    *error = std::string("cannot load ") + path + ": " + dlerror();
    return false;
  }
  initialize_ = dlsym(hostfxr_, "hostfxr_initialize_for_dotnet_command_line");
  run_app_ = dlsym(hostfxr_, "hostfxr_run_app");
  get_property_ = dlsym(hostfxr_, "hostfxr_get_runtime_property_value");
  set_error_writer_ = dlsym(hostfxr_, "hostfxr_set_error_writer");
  if (!initialize_ || !run_app_ || !get_property_ || !set_error_writer_) {
    *error = std::string(path) + " lacks the hosting API (needs .NET 6 or later)";
    return false;
  }
  // hostfxr lives at <dotnet root>/host/fxr/<version>/libhostfxr.so.
  dotnet_root_ = DirectoryOf(DirectoryOf(DirectoryOf(DirectoryOf(path))));
  return true;
}

bool ClrBoot::Initialize(const std::string& app_path, const std::vector<std::string>& app_args, std::string* error) {
  std::vector<const char_t*> argv;
  argv.push_back(app_path.c_str());
  for (const std::string& a : app_args) argv.push_back(a.c_str());

  hostfxr_initialize_parameters parameters{sizeof(hostfxr_initialize_parameters), nullptr, dotnet_root_.c_str()};
  auto set_writer = reinterpret_cast<hostfxr_set_error_writer_fn>(set_error_writer_);
  auto initialize = reinterpret_cast<hostfxr_initialize_for_dotnet_command_line_fn>(initialize_);
  g_hostfxr_messages.clear();
  set_writer(CollectHostfxrMessage);
  int32_t rc = initialize(static_cast<int>(argv.size()), argv.data(), &parameters, &context_);
  set_writer(nullptr);                  // from here on hostfxr prints its own errors to stderr, in each child
  if (rc < 0 || context_ == nullptr) {  // 1 and 2 are success codes (context already exists)
    *error = DescribeHostfxrFailure(app_path, rc, g_hostfxr_messages);
    detail_ = g_hostfxr_messages;
    return false;
  }
  return true;
}

void ClrBoot::PreloadRuntime() {
  // FX_DEPS_FILE is <framework dir>/Microsoft.NETCore.App.deps.json; hostpolicy will later
  // dlopen the runtime from that same folder and get these already-loaded copies.
  auto get_property = reinterpret_cast<hostfxr_get_runtime_property_value_fn>(get_property_);
  const char_t* deps = nullptr;
  if (get_property(context_, "FX_DEPS_FILE", &deps) != 0 || deps == nullptr || *deps == '\0') return;
  const std::string framework = DirectoryOf(deps);
  for (const char* library : {"libcoreclr.so", "libclrjit.so", "libSystem.Native.so"}) {
    dlopen((framework + "/" + library).c_str(), RTLD_NOW | RTLD_GLOBAL);
  }
}

int ClrBoot::ResolveAndRun(const std::string& app_path, const std::vector<std::string>& app_args) {
  ClrBoot clr;
  std::string error;
  if (!clr.Resolve(&error) || !clr.Initialize(app_path, app_args, &error)) {
    std::fprintf(stderr, "dotnet-workers: error: %s\n", error.c_str());
    return 1;
  }
  return clr.RunApp();
}

int ClrBoot::RunApp() { return reinterpret_cast<hostfxr_run_app_fn>(run_app_)(context_); }

}  // namespace dw::host
