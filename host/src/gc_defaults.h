// The garbage collector settings the launcher gives every process, unless the user chose.
//
// .NET's Server GC (the default of every ASP.NET Core app) makes one heap and one GC thread
// per core in each process, pinned to the cores: N processes sharing C cores get N x C heaps
// whose collections all wake at once and fight for the same cores. Measured on 2 cores with
// a Kestrel endpoint allocating ~4 MB a request, wrk with 64 connections: one process with
// Server GC 2.9-3.2k requests/s, two with Server GC 1.3-2.7k, two with workstation GC
// 5.5-7.0k. So: at least as many processes as cores -> workstation (concurrent) GC in each;
// fewer -> the app's choice, with Server GC's heaps split between the processes and not pinned.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dw::host {

// The DOTNET_* variables to set for a cluster of `processes` on `cores`; none if `environ`
// already sets a GC mode or heap setting (DOTNET_ or COMPlus_ gcServer, GCHeapCount,
// GCNoAffinitize, GCHeapAffinitizeMask): the user's choice wins.
std::vector<std::pair<std::string, std::string>> GcDefaults(uint32_t processes, uint32_t cores,
                                                            const char* const* environ);

}  // namespace dw::host
