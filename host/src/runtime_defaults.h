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
// Not the processor count. Telling each process its share of the cores
// (DOTNET_PROCESSOR_COUNT = ceil(C / N)) looked right and measured wrong: wrk on WebCache,
// --workers=2 on 2 cores, 10 s warm-up, two alternating rounds: /plain 32-40k requests/s
// with a count of 1 against 49-59k with the machine's, /alloc 2.10-2.20k against 2.46-2.48k.
// A count of 1 turns off the runtime's spinning and narrows its thread pool and Kestrel's
// I/O queues to one, and the threads the cores cannot run block in the kernel for free.
// (An earlier measurement that favoured it was of an app logging every request to the
// console, where fewer threads meant less contention on the console's lock.)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dw::host {

// The DOTNET_* variables to set for a cluster of `processes` on `cores`; none if `environ`
// already sets one of them or a GC heap setting (DOTNET_ or COMPlus_ gcServer, GCHeapCount,
// GCNoAffinitize, GCHeapAffinitizeMask, or PROCESSOR_COUNT, which sizes Server GC's heaps):
// the user's choice wins, whole. A GCgen0size of the user's replaces only the launcher's.
std::vector<std::pair<std::string, std::string>> RuntimeDefaults(uint32_t processes, uint32_t cores,
                                                                 const char* const* environ);

}  // namespace dw::host
