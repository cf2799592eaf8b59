#include "process_table.h"

#include "last_error.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstring>
#include <thread>

#include "region.h"

namespace dw {
namespace {

namespace L = layout;

class ProcessTable : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Region::Create(16ull << 20, 2, 0, &region_), DW_OK); }
  L::ProcessEntry* Entry(uint32_t id) { return region_->process(id); }
  std::unique_ptr<Region> region_;
};

TEST_F(ProcessTable, Starting_RecordsTheRoleAndTime) {
  ProcessStarting(Entry(1), "web");
  EXPECT_EQ(Entry(1)->state.load(), L::kProcessStarting);
  EXPECT_STREQ(Entry(1)->role, "web");
  EXPECT_GT(Entry(1)->started_ns.load(), 0u);
  EXPECT_EQ(Entry(1)->pid.load(), 0u);
}

TEST_F(ProcessTable, Starting_TruncatesARoleThatDoesNotFit) {
  std::string longer(100, 'r');
  ProcessStarting(Entry(1), longer);
  EXPECT_EQ(std::strlen(Entry(1)->role), L::kRoleCapacity - 1);
}

TEST_F(ProcessTable, Ready_MovesAStartingProcessToRunning) {
  ProcessStarting(Entry(2), "worker");
  ProcessReady(Entry(2), 777);
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessRunning);
  EXPECT_EQ(Entry(2)->pid.load(), 777u);
  EXPECT_GE(Entry(2)->ready_ns.load(), Entry(2)->started_ns.load());
}

TEST_F(ProcessTable, Ready_OfAnIdTheLauncherNeverStarted_WritesNothing) {
  EXPECT_FALSE(ProcessReady(Entry(7), 777));
  EXPECT_EQ(Entry(7)->state.load(), L::kProcessFree);
  EXPECT_EQ(Entry(7)->pid.load(), 0u);
  EXPECT_EQ(Entry(7)->ready_ns.load(), 0u);
}

TEST_F(ProcessTable, Ready_DoesNotUndoStopping) {
  ProcessStarting(Entry(2), "worker");
  ProcessStopping(Entry(2));
  EXPECT_TRUE(ProcessReady(Entry(2), 777)) << "asked to stop before it bound: it binds, and stops";
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessStopping);
  EXPECT_EQ(Entry(2)->pid.load(), 777u);
}

TEST_F(ProcessTable, Stopping_LeavesAnEndedProcessAlone) {
  ProcessStarting(Entry(1), "worker");
  ProcessEnded(Entry(1), 0);
  ProcessStopping(Entry(1));
  EXPECT_EQ(Entry(1)->state.load(), L::kProcessExited);
}

TEST_F(ProcessTable, Ended_RecordsAnExitCodeOrASignal) {
  pid_t child = fork();
  if (child == 0) _exit(3);
  int status = 0;
  waitpid(child, &status, 0);
  ProcessEnded(Entry(1), status);
  EXPECT_EQ(Entry(1)->state.load(), L::kProcessExited);
  EXPECT_EQ(Entry(1)->exit_status.load(), 3);

  child = fork();
  if (child == 0) {
    raise(SIGKILL);
    _exit(0);
  }
  waitpid(child, &status, 0);
  ProcessEnded(Entry(2), status);
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessKilled);
  EXPECT_EQ(Entry(2)->exit_status.load(), -SIGKILL);

  // A revive: reviving keeps how it died until the same id starts over, with its role.
  ProcessReviving(Entry(2), L::kExitCauseFailed);
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessReviving);
  EXPECT_EQ(Entry(2)->exit_status.load(), -SIGKILL);
  ProcessStarting(Entry(2), "web");
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessStarting);
  EXPECT_EQ(Entry(2)->exit_status.load(), 0);
  EXPECT_STREQ(Entry(2)->role, "web");
  // The id's history stays across the new start.
  EXPECT_EQ(Entry(2)->restarts.load(), 1u);
  EXPECT_EQ(Entry(2)->last_exit_status.load(), -SIGKILL);
  EXPECT_EQ(Entry(2)->last_exit_cause.load(), L::kExitCauseFailed);
}

TEST_F(ProcessTable, WaitWhileRunning_TimesOutWhileNothingHappens) {
  ProcessStarting(Entry(1), "worker");
  ProcessReady(Entry(1), 1);
  bool ok = false;
  EXPECT_EQ(WaitWhileRunning(region_->header(), Entry(1), 1'000'000, &ok), L::kProcessRunning);
  EXPECT_TRUE(ok);
}

TEST_F(ProcessTable, WaitWhileRunning_ReturnsAtOnceForAStoppingProcessOrAClusterShuttingDown) {
  ProcessStarting(Entry(1), "worker");
  ProcessReady(Entry(1), 1);
  ProcessStopping(Entry(1));
  bool ok = false;
  EXPECT_EQ(WaitWhileRunning(region_->header(), Entry(1), -1, &ok), L::kProcessStopping);

  ProcessStarting(Entry(2), "worker");
  ProcessReady(Entry(2), 2);
  region_->header()->shutdown_state.store(L::kShutdownRequested);
  EXPECT_EQ(WaitWhileRunning(region_->header(), Entry(2), -1, &ok), L::kProcessRunning);
}

// The lost-wakeup case: the stop lands between the waiter's check and its sleep. Sleeping
// on the entry's own state word makes that impossible; repeat it to give a race a chance.
TEST_F(ProcessTable, Stopping_AlwaysWakesAThreadWaitingOnItsEntry) {
  for (int round = 0; round < 200; ++round) {
    ProcessStarting(Entry(1), "worker");
    ProcessReady(Entry(1), 1);
    std::atomic<bool> woke{false};
    std::thread waiter([&] {
      bool ok = true;
      while (WaitWhileRunning(region_->header(), Entry(1), 10'000'000'000, &ok) == L::kProcessRunning) {
      }
      woke = true;
    });
    ProcessStopping(Entry(1));
    waiter.join();  // bounded: the wait above gives up after 10 s and the test then fails
    ASSERT_TRUE(woke.load());
  }
}

TEST_F(ProcessTable, Stopping_WakesAWaiterInAnotherProcess) {
  ProcessStarting(Entry(1), "worker");
  ProcessReady(Entry(1), 1);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (int i = 0; i < 100; ++i) {  // at most 10 s
      bool ok = true;
      if (WaitWhileRunning(region_->header(), Entry(1), 100'000'000, &ok) == L::kProcessStopping) _exit(0);
    }
    _exit(1);
  }
  usleep(20'000);
  EXPECT_TRUE(ProcessStopping(Entry(1)));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(ProcessTable, ClaimingWorkerIds_TakesTheLowestFree_AllOrNothing) {
  // From id 2 on: id 1, a worker the launcher starts itself, stays free until it does.
  uint32_t ids[3] = {};
  ASSERT_EQ(ClaimWorkerIds(Entry(0), 2, "extra", 2, ids), DW_OK) << LastError();
  EXPECT_EQ(ids[0], 2u);
  EXPECT_EQ(ids[1], 3u);
  EXPECT_EQ(Entry(1)->state.load(), L::kProcessFree);
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessRequested);
  EXPECT_STREQ(Entry(3)->role, "extra");
  ReleaseWorkerId(Entry(2));
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessFree);

  // Fill every id but one: asking for two claims neither.
  for (uint32_t id = 4; id < L::kProcessCapacity - 1; ++id) ProcessStarting(Entry(id), "w");
  uint32_t two[2] = {};
  EXPECT_EQ(ClaimWorkerIds(Entry(0), 2, "late", 3, two), DW_E_CAPACITY);
  EXPECT_NE(std::string(LastError()).find("only 2 ids are free"), std::string::npos) << LastError();
  EXPECT_EQ(Entry(2)->state.load(), L::kProcessFree) << "rolled back";
  EXPECT_EQ(Entry(L::kProcessCapacity - 1)->state.load(), L::kProcessFree);
  EXPECT_EQ(ClaimWorkerIds(Entry(0), 2, "late", 2, two), DW_OK);
}

TEST(ProcessStateNames, EveryStateHasAName) {
  EXPECT_STREQ(ProcessStateName(L::kProcessStarting), "starting");
  EXPECT_STREQ(ProcessStateName(L::kProcessRunning), "running");
  EXPECT_STREQ(ProcessStateName(L::kProcessStopping), "stopping");
  EXPECT_STREQ(ProcessStateName(L::kProcessExited), "exited");
  EXPECT_STREQ(ProcessStateName(L::kProcessKilled), "killed");
  EXPECT_STREQ(ProcessStateName(L::kProcessReviving), "reviving");
  EXPECT_STREQ(ProcessStateName(L::kProcessRequested), "requested");
  EXPECT_STREQ(ProcessStateName(99), "unknown");
}

TEST(RoleNames, AcceptOnlyShortPlainNames) {
  EXPECT_TRUE(IsValidRoleName("web"));
  EXPECT_TRUE(IsValidRoleName("jobs-2.eu_west"));
  EXPECT_TRUE(IsValidRoleName(std::string(31, 'a')));
  EXPECT_FALSE(IsValidRoleName(std::string(32, 'a')));
  EXPECT_FALSE(IsValidRoleName(""));
  EXPECT_FALSE(IsValidRoleName("a b"));
  EXPECT_FALSE(IsValidRoleName("a=b"));
  EXPECT_FALSE(IsValidRoleName("caf\xc3\xa9"));
}

}  // namespace
}  // namespace dw
