// The process table: one entry per process id, written by the launcher (start, exit) and
// by the process itself (ready). Every field that changes after fork is atomic, so any
// process can read a consistent-enough snapshot without a lock: each field is read whole,
// and a reader that needs several fields together re-reads if `state` changed meanwhile.
#pragma once

#include <cstdint>
#include <string_view>

#include "dotnet_workers/dw_status.h"
#include "dotnet_workers/region_layout.h"

namespace dw {

// A role name the table can hold: 1..31 bytes of [A-Za-z0-9_.-].
bool IsValidRoleName(std::string_view role) noexcept;

// The launcher, before fork: the entry becomes `starting` with this role.
void ProcessStarting(layout::ProcessEntry* entry, std::string_view role) noexcept;

// The launcher after fork, and the child itself (whichever runs first): records the pid.
void ProcessForked(layout::ProcessEntry* entry, uint32_t pid) noexcept;

// The process itself, when the managed library has bound to the region. Returns false,
// writing nothing, unless the entry is starting, running (binding twice) or stopping (asked
// to stop before it bound; it stays stopping).
bool ProcessReady(layout::ProcessEntry* entry, uint32_t pid) noexcept;

// Moves a starting or running entry to stopping and wakes whoever sleeps on its state:
// the launcher when it shuts the cluster down, or the process itself when it stops alone
// (SIGTERM to one worker). Returns false if the entry was not starting or running.
bool ProcessStopping(layout::ProcessEntry* entry) noexcept;

// Sleeps (at most timeout_ns; negative: no bound) while the entry is running and the
// cluster is not shutting down. Returns the entry's state; kFailed from the futex is
// reported as false in *ok.
uint32_t WaitWhileRunning(const layout::RegionHeader* header, layout::ProcessEntry* entry, int64_t timeout_ns,
                          bool* ok) noexcept;

// The launcher, after waitpid: `wait_status` as waitpid returned it.
void ProcessEnded(layout::ProcessEntry* entry, int wait_status) noexcept;

// The launcher, after ProcessEnded, for a process it will start again (a revive, a restart):
// records the death as the id's last exit (`cause`: layout::kExitCause*) and counts the
// restart, then `state = reviving` (release); exit_status stays the death's until the new
// start (ProcessStarting).
void ProcessReviving(layout::ProcessEntry* entry, uint32_t cause) noexcept;

// Claims `count` free ids from `first_id` on for new workers of `role` (kProcessRequested,
// the role written), lowest first, into `ids`. All or nothing: DW_E_CAPACITY, with nothing claimed,
// if fewer are free (the table holds kProcessCapacity - 1 workers).
// Ids 1..`first_id - 1` are never claimed: the launcher may not have started the cluster's
// own workers yet, and their entries are still free.
dw_status ClaimWorkerIds(layout::ProcessEntry* table, uint32_t first_id, std::string_view role, uint32_t count,
                         uint32_t* ids) noexcept;

// Gives a claimed id back (the launcher did not start it: the cluster is shutting down).
void ReleaseWorkerId(layout::ProcessEntry* entry) noexcept;

// "starting", "running", ... for one of layout::kProcess*.
const char* ProcessStateName(uint32_t state) noexcept;

}  // namespace dw
