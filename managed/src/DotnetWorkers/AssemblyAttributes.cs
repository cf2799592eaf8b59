using System.Runtime.CompilerServices;

// The hot paths stackalloc a 1 KiB key buffer and a 256-byte value buffer per call and write
// before they read; zeroing them first cost more than the rest of a Get.
[module: SkipLocalsInit]
