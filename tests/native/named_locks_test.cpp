#include "named_locks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "cleanup.h"
#include "crash_helpers.h"
#include "doorbell.h"
#include "last_error.h"

namespace dw {
namespace {

namespace L = layout;

class NamedLocks : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Region::Create(32ull << 20, 3, 0, &region_), DW_OK) << LastError();
    region_->set_self(0);
  }
  uint32_t Open(const std::string& name, uint32_t kind, uint32_t count = 1) {
    uint32_t index = 0;
    EXPECT_EQ(OpenLock(*region_, reinterpret_cast<const uint8_t*>(name.data()), static_cast<uint32_t>(name.size()),
                       kind, count, &index),
              DW_OK)
        << LastError();
    return index;
  }
  std::unique_ptr<Region> region_;
};

TEST_F(NamedLocks, Mutex_IsExclusiveAcrossProcesses) {
  uint32_t m = Open("m", L::kLockMutex);
  ASSERT_EQ(AcquireLock(*region_, m, 0), DW_OK);
  EXPECT_EQ(testing::RunInChild(*region_, 1, [&] { return AcquireLock(*region_, m, 50) == DW_E_TIMEOUT ? 0 : 1; }), 0);
  ASSERT_EQ(ReleaseLock(*region_, m), DW_OK);
  EXPECT_EQ(testing::RunInChild(*region_, 1, [&] { return AcquireLock(*region_, m, 0) == DW_OK ? 0 : 1; }), 0);
}

TEST_F(NamedLocks, Mutex_IsNotReentrant_AndOnlyItsOwnerReleasesIt) {
  uint32_t m = Open("m", L::kLockMutex);
  ASSERT_EQ(AcquireLock(*region_, m, 0), DW_OK);
  EXPECT_EQ(AcquireLock(*region_, m, 0), DW_E_TIMEOUT);
  EXPECT_EQ(testing::RunInChild(*region_, 1, [&] { return ReleaseLock(*region_, m) == DW_E_NOT_OWNER ? 0 : 1; }), 0);
  EXPECT_EQ(ReleaseLock(*region_, m), DW_OK);
  EXPECT_EQ(ReleaseLock(*region_, m), DW_E_NOT_OWNER);
}

TEST_F(NamedLocks, AWaiter_WakesWhenTheOwnerReleases) {
  uint32_t m = Open("m", L::kLockMutex);
  ASSERT_EQ(AcquireLock(*region_, m, 0), DW_OK);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    region_->set_self(1);
    _exit(AcquireLock(*region_, m, 10'000) == DW_OK ? 0 : 1);  // bounded: 10 s
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto released = std::chrono::steady_clock::now();
  ASSERT_EQ(ReleaseLock(*region_, m), DW_OK);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_LT(std::chrono::steady_clock::now() - released, std::chrono::seconds(5)) << "woken, not timed out";
}

TEST_F(NamedLocks, AMutexWhoseOwnerDied_IsAcquiredAndReportedAbandoned) {
  uint32_t m = Open("m", L::kLockMutex);
  ASSERT_EQ(testing::RunInChild(*region_, 1, [&] { return AcquireLock(*region_, m, 0) == DW_OK ? 0 : 1; }), 0);
  EXPECT_EQ(AcquireLock(*region_, m, 0), DW_E_TIMEOUT) << "the dead owner's hold stands until clean-up";
  CleanupProcess(*region_, 1);
  EXPECT_EQ(AcquireLock(*region_, m, 0), DW_E_ABANDONED);
  ASSERT_EQ(ReleaseLock(*region_, m), DW_OK);
  EXPECT_EQ(AcquireLock(*region_, m, 0), DW_OK) << "reported once";
}

TEST_F(NamedLocks, Semaphore_CountsPermits) {
  uint32_t s = Open("s", L::kLockSemaphore, 2);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_OK);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_OK);
  EXPECT_EQ(AcquireLock(*region_, s, 20), DW_E_TIMEOUT);
  EXPECT_EQ(ReleaseLock(*region_, s), DW_OK);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_OK);
}

TEST_F(NamedLocks, ADeadHoldersPermits_ComeBackReported) {
  uint32_t s = Open("s", L::kLockSemaphore, 2);
  ASSERT_EQ(testing::RunInChild(
                *region_, 1,
                [&] { return AcquireLock(*region_, s, 0) == DW_OK && AcquireLock(*region_, s, 0) == DW_OK ? 0 : 1; }),
            0);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_E_TIMEOUT);
  CleanupProcess(*region_, 1);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_E_ABANDONED);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_E_ABANDONED);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_E_TIMEOUT) << "exactly the two permits came back";
}

TEST_F(NamedLocks, AHolderKilledMidOperation_IsRepairedByRecounting) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t s = Open("s", L::kLockSemaphore, 3);
  ASSERT_EQ(AcquireLock(*region_, s, 0), DW_OK);  // ours: 1
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "locks.semaphore.held", [&] { AcquireLock(*region_, s, 0); }));
  // The dead process counted its permit but never took it from `word`: the next operation
  // finds the lock's mutex abandoned and recounts: 3 - (ours 1 + theirs 1) = 1 left.
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_OK);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_E_TIMEOUT);
  CleanupProcess(*region_, 1);
  EXPECT_EQ(AcquireLock(*region_, s, 0), DW_E_ABANDONED);
}

TEST_F(NamedLocks, AWatchingProcess_IsRungWhenAHoldComesFree_ByARelease_OrItsHoldersDeath) {
  uint32_t m = Open("m", L::kLockMutex);
  uint32_t s = Open("s", L::kLockSemaphore, 1);
  ASSERT_EQ(AcquireLock(*region_, m, 0), DW_OK);
  ASSERT_EQ(AcquireLock(*region_, s, 0), DW_OK);
  EXPECT_FALSE(LockMayBeFree(*region_, m));
  EXPECT_FALSE(LockMayBeFree(*region_, s));
  ASSERT_EQ(WatchLock(*region_, m, 2, true), DW_OK);
  ASSERT_EQ(WatchLock(*region_, s, 2, true), DW_OK);
  const uint32_t before = ReadDoorbell(*region_, 2);
  ASSERT_EQ(ReleaseLock(*region_, m), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 1);
  EXPECT_TRUE(LockMayBeFree(*region_, m));
  ASSERT_EQ(ReleaseLock(*region_, s), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 2);
  EXPECT_TRUE(LockMayBeFree(*region_, s));
  // Process 1 takes both and dies: the launcher's clean-up frees them and rings too.
  ASSERT_EQ(testing::RunInChild(
                *region_, 1,
                [&] { return AcquireLock(*region_, m, 0) == DW_OK && AcquireLock(*region_, s, 0) == DW_OK ? 0 : 1; }),
            0);
  const uint32_t held = ReadDoorbell(*region_, 2);
  ReleaseLocksOf(*region_, 1);
  EXPECT_EQ(ReadDoorbell(*region_, 2), held + 2);
  // A dead watcher is forgotten.
  ReleaseLocksOf(*region_, 2);
  ASSERT_EQ(AcquireLock(*region_, m, 0), DW_E_ABANDONED);
  ASSERT_EQ(ReleaseLock(*region_, m), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), held + 2);
  EXPECT_EQ(WatchLock(*region_, L::kLockCapacity, 2, true), DW_E_INVALID_ARGUMENT);
}

TEST_F(NamedLocks, Open_SameNameOtherKindOrCount_IsAConflict) {
  Open("x", L::kLockSemaphore, 2);
  uint32_t index = 0;
  EXPECT_EQ(OpenLock(*region_, reinterpret_cast<const uint8_t*>("x"), 1, L::kLockSemaphore, 3, &index), DW_E_CONFLICT);
  EXPECT_EQ(OpenLock(*region_, reinterpret_cast<const uint8_t*>("x"), 1, L::kLockMutex, 1, &index), DW_E_CONFLICT);
  EXPECT_NE(std::strstr(LastError(), "exists as a semaphore with 2 permits"), nullptr) << LastError();
}

TEST_F(NamedLocks, BadInput_IsRefused) {
  uint32_t index = 0;
  EXPECT_EQ(OpenLock(*region_, reinterpret_cast<const uint8_t*>(""), 0, L::kLockMutex, 1, &index),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(OpenLock(*region_, reinterpret_cast<const uint8_t*>("s"), 1, L::kLockSemaphore, 0, &index),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(AcquireLock(*region_, L::kLockCapacity, 0), DW_E_INVALID_ARGUMENT);
}

TEST_F(NamedLocks, TheTable_FillsUpWithAClearError) {
  for (uint32_t i = 0; i < L::kLockCapacity; ++i) Open("lock" + std::to_string(i), L::kLockMutex);
  uint32_t index = 0;
  EXPECT_EQ(OpenLock(*region_, reinterpret_cast<const uint8_t*>("one more"), 8, L::kLockMutex, 1, &index),
            DW_E_CAPACITY);
  EXPECT_EQ(Open("lock7", L::kLockMutex), Open("lock7", L::kLockMutex)) << "existing names still open";
}

}  // namespace
}  // namespace dw
