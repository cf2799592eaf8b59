using System.Runtime.CompilerServices;

// The hot paths stackalloc a 1 KiB key buffer and a 256-byte value buffer per call and write
// before they read; zeroing them first cost more than the rest of a Get.
[module: SkipLocalsInit]

// Every native call is a [LibraryImport] (marshalling generated at compile time), so the
// runtime's marshalling is never needed; without it the P/Invokes are ReadyToRun-compiled
// instead of having IL stubs made at run time, in every process, on first call.
[assembly: DisableRuntimeMarshalling]
