// What the kernel under the tests provides that some tests need, and the skips for when it
// does not. Linux always provides both; qemu-user, which runs the linux-arm64 build of these
// tests on an x86-64 machine (`./build.sh test`, suite "arm64"), provides neither:
//
// - Robust futex lists. qemu-user answers set_robust_list/get_robust_list with ENOSYS (the
//   list lives in guest memory the host kernel cannot walk), so a holder that dies leaves a
//   robust mutex locked instead of owner-died, and the next locker waits forever. Every test
//   that kills or stops a process inside a critical section needs them.
// - madvise(MADV_REMOVE) on shared memory. qemu-user returns success without passing it on,
//   so punched pages keep their bytes.
//
// On a real kernel the checks pass and nothing is skipped: the x86-64 suites (and a native
// arm64 machine) run every test.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dw::testing {

inline bool KernelKeepsRobustLists() {
  static const bool keeps = [] {
    void* head = nullptr;
    size_t length = 0;
    return syscall(SYS_get_robust_list, 0, &head, &length) == 0 && head != nullptr;
  }();
  return keeps;
}

inline bool KernelRemovesSharedPages() {
  static const bool removes = [] {
    const long page = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("dw-probe", 0);
    if (fd < 0) return false;
    bool ok = false;
    if (ftruncate(fd, page) == 0) {
      void* at = mmap(nullptr, static_cast<size_t>(page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (at != MAP_FAILED) {
        auto* byte = static_cast<volatile unsigned char*>(at);
        *byte = 1;
        ok = madvise(at, static_cast<size_t>(page), MADV_REMOVE) == 0 && *byte == 0;
        munmap(at, static_cast<size_t>(page));
      }
    }
    close(fd);
    return ok;
  }();
  return removes;
}

}  // namespace dw::testing

// First statement of a test that needs a dead holder's robust mutexes marked owner-died.
#define DW_REQUIRE_ROBUST_LISTS()               \
  if (!::dw::testing::KernelKeepsRobustLists()) \
  GTEST_SKIP() << "this kernel keeps no robust futex lists (qemu-user): a dead holder's mutex stays locked"

// First statement of a test that needs madvise(MADV_REMOVE) to punch shared pages.
#define DW_REQUIRE_PAGE_REMOVAL()                       \
  if (!::dw::testing::KernelRemovesSharedPages())       \
  GTEST_SKIP() << "madvise(MADV_REMOVE) is a no-op on " \
                  "this kernel (qemu-user)"
