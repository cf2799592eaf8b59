#include "shutdown.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sys/wait.h>
#include <unistd.h>

namespace dw {
namespace {

namespace L = layout;

class Shutdown : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Region::Create(4ull << 20, 1, 0, &region_), DW_OK); }
  std::unique_ptr<Region> region_;
};

TEST_F(Shutdown, Request_KeepsTheFirstReason) {
  RequestShutdown(*region_, L::kReasonSignal);
  RequestShutdown(*region_, L::kReasonPrimaryExited);
  EXPECT_EQ(region_->header()->shutdown_state.load(), L::kShutdownRequested);
  EXPECT_EQ(region_->header()->shutdown_reason.load(), L::kReasonSignal);
}

TEST_F(Shutdown, Wait_TimesOutWhileRunning) {
  EXPECT_EQ(WaitForShutdown(*region_, 1'000'000), L::kRunning);
}

TEST_F(Shutdown, Wait_ReturnsAtOnceAfterARequest) {
  RequestShutdown(*region_, L::kReasonRequested);
  EXPECT_EQ(WaitForShutdown(*region_, -1), L::kShutdownRequested);
}

TEST_F(Shutdown, Request_WakesAWaiterInAnotherProcess) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Bounded: the child gives up after 10 s and reports failure.
    for (int i = 0; i < 100; ++i) {
      if (WaitForShutdown(*region_, 100'000'000) == L::kShutdownRequested) _exit(0);
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
