// --data-dir: the directory a cluster keeps its shared documents in (docs/protocol.md 16d.1).
#pragma once

#include <string>

namespace dw::host {

// Creates the directory if it is missing (and syncs its parent, so the new entry survives a
// power loss), checks it is writable, makes *directory absolute, and locks it for this cluster:
// two clusters appending to one document's journal would cut each other's records. The lock is
// an flock on DIR/.lock, held by the returned descriptor for as long as the launcher lives
// (the kernel drops it at any exit, SIGKILL included). -1 and *error: one line to print.
int OpenDataDirectory(std::string* directory, std::string* error);

}  // namespace dw::host
