#include "robust_mutex.h"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include "crash_helpers.h"

namespace dw {
namespace {

TEST(RobustMutex, AHolderKilledInside_LeavesItAcquirableAndSaysSo) {
  DW_REQUIRE_ROBUST_LISTS();
  auto* mutex = static_cast<layout::MutexSlot*>(
      mmap(nullptr, sizeof(layout::MutexSlot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mutex, MAP_FAILED);
  ASSERT_TRUE(InitRobustMutex(mutex));

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (LockRobust(mutex) != LockResult::kAcquired) _exit(1);
    raise(SIGKILL);  // dies holding it
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  EXPECT_EQ(LockRobust(mutex), LockResult::kOwnerDied);
  MarkConsistent(mutex);
  UnlockRobust(mutex);
  EXPECT_EQ(LockRobust(mutex), LockResult::kAcquired);
  EXPECT_EQ(TryLockRobust(mutex), LockResult::kBusy) << "not recursive";
  UnlockRobust(mutex);
  munmap(mutex, sizeof(layout::MutexSlot));
}

}  // namespace
}  // namespace dw
