// DOTNET_WORKERS_REGION: how the launcher tells a process where its region is.
//
//   v1:pid=<pid, 10 digits>:fd=<fd>:addr=0x<hex>:size=<bytes>
//
// The pid is the process the descriptor was written for: a grandchild that inherits the
// environment (an app that starts another program) is not part of the cluster and must not
// try to bind. The fd is the region's memfd, used only by --spawn children to map it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dw {

struct RegionDescriptor {
  uint32_t pid = 0;
  int fd = -1;
  uint64_t address = 0;
  uint64_t size = 0;
};

bool ParseRegionDescriptor(std::string_view text, RegionDescriptor* out) noexcept;
std::string FormatRegionDescriptor(const RegionDescriptor& descriptor);

}  // namespace dw
