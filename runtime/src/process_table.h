// The process table: one entry per process id, written by the launcher (start, exit) and
// by the process itself (ready). Every field that changes after fork is atomic, so any
// process can read a consistent-enough snapshot without a lock: each field is read whole,
// and a reader that needs several fields together re-reads if `state` changed meanwhile.
#pragma once

#include <cstdint>
#include <string_view>

#include "dotnet_workers/region_layout.h"

namespace dw {

// A role name the table can hold: 1..31 bytes of [A-Za-z0-9_.-].
bool IsValidRoleName(std::string_view role) noexcept;

// The launcher, before fork: the entry becomes `starting` with this role.
void ProcessStarting(layout::ProcessEntry* entry, std::string_view role) noexcept;

// The launcher after fork, and the child itself (whichever runs first): records the pid.
void ProcessForked(layout::ProcessEntry* entry, uint32_t pid) noexcept;

// The process itself, when the managed library has bound to the region.
void ProcessReady(layout::ProcessEntry* entry, uint32_t pid) noexcept;

// The launcher, when it has asked the process to stop.
void ProcessStopping(layout::ProcessEntry* entry) noexcept;

// The launcher, after waitpid: `wait_status` as waitpid returned it.
void ProcessEnded(layout::ProcessEntry* entry, int wait_status) noexcept;

// "starting", "running", ... for one of layout::kProcess*.
const char* ProcessStateName(uint32_t state) noexcept;

}  // namespace dw
