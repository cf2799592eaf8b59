#include "gc_defaults.h"

#include <string_view>

namespace dw::host {

std::vector<std::pair<std::string, std::string>> GcDefaults(uint32_t processes, uint32_t cores,
                                                            const char* const* environ) {
  constexpr std::string_view kChosen[] = {"gcServer", "GCHeapCount", "GCNoAffinitize", "GCHeapAffinitizeMask"};
  for (const char* const* e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    for (std::string_view prefix : {std::string_view("DOTNET_"), std::string_view("COMPlus_")}) {
      if (entry.substr(0, prefix.size()) != prefix) continue;
      std::string_view name = entry.substr(prefix.size(), entry.find('=') - prefix.size());
      for (std::string_view chosen : kChosen) {
        if (name == chosen) return {};
      }
    }
  }
  if (cores == 0) cores = 1;
  if (processes >= cores) return {{"DOTNET_gcServer", "0"}};
  // Hexadecimal, as the runtime reads DOTNET_ numbers.
  const uint32_t heaps = cores / processes;
  char hex[16];
  int n = 0;
  for (uint32_t v = heaps; v != 0 || n == 0; v >>= 4) hex[n++] = "0123456789abcdef"[v & 0xf];
  std::string count(hex, hex + n);
  return {{"DOTNET_GCHeapCount", std::string(count.rbegin(), count.rend())}, {"DOTNET_GCNoAffinitize", "1"}};
}

}  // namespace dw::host
