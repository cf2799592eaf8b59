// The runtime settings the launcher gives every process, unless the user chose: what N
// processes sharing C cores need that one process alone would not.
//
// The GC. .NET's Server GC (the default of every ASP.NET Core app) makes one heap and one GC
// thread per core in each process, pinned to the cores: N processes sharing C cores get
// N x C heaps whose collections all wake at once and fight for the same cores. Measured on
// 2 cores with a Kestrel endpoint allocating ~4 MB a request, wrk with 64 connections: one
// process with Server GC 2.9-3.2k requests/s, two with Server GC 1.3-2.7k, two with
// workstation GC 5.5-7.0k. So: at least as many processes as cores -> workstation
// (concurrent) GC in each, with a larger budget for its youngest generation than its
// default (wrk on WebCache's /alloc, --workers=2 on 2 cores, by hand: 1.31-1.39k
// requests/s with the default budget, 1.47-1.58k with 32 MB, 1.63-1.70k with 64 MB);
// fewer -> the app's choice, with Server GC's heaps split between the processes and not
// pinned.
//
// The processor count. Each process otherwise sizes itself for every core: its thread pool,
// Kestrel's I/O queues, Parallel's partitions, each as wide as the machine, so N processes
// run N times the threads the cores can serve and spend the difference switching between
// them. Measured (wrk on WebCache's /plain, 2 cores, --workers=2: three processes): the plain
// endpoint served 15-19k requests/s with the machine's count and 24-31k with
// DOTNET_PROCESSOR_COUNT=1. So each process is told its share, ceil(C / N), at least 1.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dw::host {

// The DOTNET_* variables to set for a cluster of `processes` on `cores`; none if `environ`
// already sets one of them or a GC heap setting (DOTNET_ or COMPlus_ gcServer, GCHeapCount,
// GCNoAffinitize, GCHeapAffinitizeMask, PROCESSOR_COUNT): the user's choice wins, whole. A
// GCgen0size of the user's replaces only the launcher's.
std::vector<std::pair<std::string, std::string>> RuntimeDefaults(uint32_t processes, uint32_t cores,
                                                                 const char* const* environ);

}  // namespace dw::host
