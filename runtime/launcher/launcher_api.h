// The part of the runtime's internals the launcher (host/) is built against, besides the C
// ABI (dotnet_workers/dw.h): the region it creates and attaches, the process table it
// fills and marks, shutdown, the clean-up of a dead process, a process's doorbell (to stop
// one process the way shutdown stops them all), the clock and the last error.
// host/ includes this header and the public ones; the rest of runtime/src is not on its
// include path (dwruntime exports only include/ and this folder).
#pragma once

#include "../src/cleanup.h"
#include "../src/clock.h"
#include "../src/doorbell.h"
#include "../src/last_error.h"
#include "../src/process_table.h"
#include "../src/region.h"
#include "../src/shutdown.h"
