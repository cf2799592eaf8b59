#include "runtime_defaults.h"

#include <initializer_list>
#include <string_view>

namespace dw::host {
namespace {

// True if `environ` sets one of `names` under one of `prefixes`.
bool UserSets(const char* const* environ, std::initializer_list<std::string_view> prefixes,
              std::initializer_list<std::string_view> names) {
  for (const char* const* e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    for (std::string_view prefix : prefixes) {
      if (entry.substr(0, prefix.size()) != prefix) continue;
      std::string_view name = entry.substr(prefix.size(), entry.find('=') - prefix.size());
      for (std::string_view chosen : names) {
        if (name == chosen) return true;
      }
    }
  }
  return false;
}

// Workstation GC's allocation budget between two collections of the youngest generation:
// its default follows the cache size (a few MB), so a process allocating hard collects
// hundreds of times a second. This gives the workstation GC of a cluster's processes a
// larger one, at the cost of up to that much more resident memory per process (WebCache's
// /alloc under wrk, three processes on 2 cores: 404 MB of RSS in all against 252 MB with
// the default budget, for 1.96-2.15k requests/s against 1.41-1.75k, four alternating pairs).
constexpr uint32_t kWorkstationGen0Bytes = 64u << 20;

// Hexadecimal, as the runtime reads DOTNET_ GC numbers.
std::string Hex(uint32_t value) {
  std::string digits;
  for (uint32_t v = value; v != 0 || digits.empty(); v >>= 4)
    digits.insert(digits.begin(), "0123456789abcdef"[v & 0xf]);
  return digits;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> RuntimeDefaults(uint32_t processes, uint32_t cores,
                                                                 const char* const* environ) {
  // One choice of the user's turns all of it off: the GC's settings are tuned together, and
  // the processor count sizes Server GC's heaps (a count of 1 is workstation GC, whatever
  // gcServer says).
  if (UserSets(environ, {"DOTNET_", "COMPlus_"},
               {"gcServer", "GCHeapCount", "GCNoAffinitize", "GCHeapAffinitizeMask", "PROCESSOR_COUNT"})) {
    return {};
  }
  if (cores == 0) cores = 1;
  if (processes == 0) processes = 1;
  std::vector<std::pair<std::string, std::string>> settings;
  if (processes >= cores) {
    settings.emplace_back("DOTNET_gcServer", "0");
    // A budget of the user's replaces this one alone.
    if (!UserSets(environ, {"DOTNET_", "COMPlus_"}, {"GCgen0size"})) {
      settings.emplace_back("DOTNET_GCgen0size", Hex(kWorkstationGen0Bytes));
    }
  } else {
    settings.emplace_back("DOTNET_GCHeapCount", Hex(cores / processes));
    settings.emplace_back("DOTNET_GCNoAffinitize", "1");
  }
  return settings;
}

}  // namespace dw::host
