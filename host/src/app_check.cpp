#include "app_check.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace dw::host {
namespace {

uint32_t ReadU32(const std::vector<char>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;  // PE is little-endian, as is every platform this launcher builds for
}

uint16_t ReadU16(const std::vector<char>& b, size_t at) {
  uint16_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

// True if the file is a PE image with a CLI (ECMA-335) header: a managed assembly.
bool IsManagedAssembly(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<char> b(4096);
  file.read(b.data(), static_cast<std::streamsize>(b.size()));
  b.resize(static_cast<size_t>(file.gcount()));
  if (b.size() < 0x40 || b[0] != 'M' || b[1] != 'Z') return false;
  const size_t pe = ReadU32(b, 0x3c);
  const size_t optional = pe + 4 + 20;  // after the signature and the COFF header
  if (pe > b.size() - 4 || optional + 2 > b.size() || std::memcmp(b.data() + pe, "PE\0\0", 4) != 0) {
    return false;
  }
  const uint16_t magic = ReadU16(b, optional);
  size_t count_at, directories_at;
  if (magic == 0x10b) {  // PE32
    count_at = optional + 92;
    directories_at = optional + 96;
  } else if (magic == 0x20b) {  // PE32+
    count_at = optional + 108;
    directories_at = optional + 112;
  } else {
    return false;
  }
  const size_t clr = directories_at + 14 * 8;  // directory 14: the CLI header
  if (clr + 8 > b.size() || ReadU32(b, count_at) <= 14) return false;
  return ReadU32(b, clr) != 0 && ReadU32(b, clr + 4) != 0;
}

// True if the file is an ELF executable published by NativeAOT: its dynamic symbols name
// the runtime's debug header (every NativeAOT image exports DotNetRuntimeDebugHeader for
// debuggers), which no other program has.
bool IsNativeAotExecutable(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  const std::streamsize size = file.tellg();
  if (size < 64) return false;
  std::vector<char> b(static_cast<size_t>(size));  // one read: the check runs on every start
  file.seekg(0);
  if (!file.read(b.data(), size)) return false;
  static constexpr char kElfMagic[] = {0x7f, 'E', 'L', 'F'};
  if (std::memcmp(b.data(), kElfMagic, sizeof kElfMagic) != 0) return false;
  static constexpr std::string_view kMarker = "DotNetRuntimeDebugHeader";
  return memmem(b.data(), b.size(), kMarker.data(), kMarker.size()) != nullptr;
}

}  // namespace

bool CheckDotnetApp(const std::string& path, AppKind* kind, std::string* error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *error = "cannot find the app '" + path + "'";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = "'" + path + "' is not a file: expected a .NET app such as bin/MyApp.dll";
    return false;
  }
  if (IsNativeAotExecutable(path)) {
    if (access(path.c_str(), X_OK) != 0) {
      *error = "'" + path + "' is a NativeAOT app but not executable (chmod +x it)";
      return false;
    }
    *kind = AppKind::kNative;
    return true;
  }
  if (!IsManagedAssembly(path)) {
    *error = "'" + path +
             "' is not a .NET app: expected a managed assembly such as bin/MyApp.dll, or an executable published with "
             "PublishAot";
    return false;
  }
  *kind = AppKind::kManaged;
  std::string stem = path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".dll") == 0) stem.resize(stem.size() - 4);
  std::string config = stem + ".runtimeconfig.json";
  if (stat(config.c_str(), &st) != 0) {
    *error = "'" + path + "' is a .NET library, not an app: no " + config.substr(config.rfind('/') + 1) +
             " beside it (build it with <OutputType>Exe</OutputType>)";
    return false;
  }
  return true;
}

}  // namespace dw::host
