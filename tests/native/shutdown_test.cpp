#include "shutdown.h"

#include "process_table.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>

namespace dw {
namespace {

namespace L = layout;

class Shutdown : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Region::Create(16ull << 20, 1, 0, &region_), DW_OK); }
  std::unique_ptr<Region> region_;
};

TEST_F(Shutdown, Request_KeepsTheFirstReason) {
  RequestShutdown(*region_, L::kReasonSignal);
  RequestShutdown(*region_, L::kReasonPrimaryExited);
  EXPECT_EQ(region_->header()->shutdown_state.load(), L::kShutdownRequested);
  EXPECT_EQ(region_->header()->shutdown_reason.load(), L::kReasonSignal);
}

TEST_F(Shutdown, Wait_TimesOutWhileRunning) {
  bool ok = false;
  EXPECT_EQ(WaitForShutdown(*region_, 1'000'000, &ok), L::kRunning);
  EXPECT_TRUE(ok);
}

TEST_F(Shutdown, Wait_ReturnsAtOnceAfterARequest) {
  RequestShutdown(*region_, L::kReasonRequested);
  bool ok = false;
  EXPECT_EQ(WaitForShutdown(*region_, -1, &ok), L::kShutdownRequested);
}

TEST_F(Shutdown, Request_MarksEveryLiveProcessStopping) {
  ProcessStarting(region_->process(0), "primary");
  ProcessReady(region_->process(0), 10);
  ProcessStarting(region_->process(1), "worker");
  ProcessStarting(region_->process(2), "worker");
  ProcessEnded(region_->process(2), 0);
  RequestShutdown(*region_, L::kReasonSignal);
  EXPECT_EQ(region_->process(0)->state.load(), L::kProcessStopping);
  EXPECT_EQ(region_->process(1)->state.load(), L::kProcessStopping);
  EXPECT_EQ(region_->process(2)->state.load(), L::kProcessExited) << "an ended process stays ended";
  EXPECT_EQ(region_->process(3)->state.load(), L::kProcessFree);
}

TEST_F(Shutdown, Request_WakesAWaiterInAnotherProcess) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Bounded: the child gives up after 10 s and reports failure.
    for (int i = 0; i < 100; ++i) {
      bool ok = true;
      if (WaitForShutdown(*region_, 100'000'000, &ok) == L::kShutdownRequested) _exit(0);
    }
    _exit(1);
  }
  usleep(20'000);
  RequestShutdown(*region_, L::kReasonPrimaryExited);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace dw
