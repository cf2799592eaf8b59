#include "futex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace dw {
namespace {

TEST(Futex, Wait_ReturnsAtOnceWhenTheValueDiffers) {
  std::atomic<uint32_t> word{1};
  EXPECT_EQ(FutexWait(&word, 0, 5'000'000'000), WaitResult::kValueChanged);
}

TEST(Futex, Wait_TimesOut) {
  std::atomic<uint32_t> word{0};
  EXPECT_EQ(FutexWait(&word, 0, 1'000'000), WaitResult::kTimedOut);
}

TEST(Futex, Wait_ReportsAWaitTheKernelRefuses) {
  // A misaligned word: EINVAL. Reported as kFailed so callers do not spin on it.
  alignas(8) char bytes[8] = {};
  auto* misaligned = reinterpret_cast<std::atomic<uint32_t>*>(bytes + 1);
  EXPECT_EQ(FutexWait(misaligned, 0, 1'000'000), WaitResult::kFailed);
}

TEST(Futex, Wake_ReleasesAWaitingThread) {
  std::atomic<uint32_t> word{0};
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    word.store(1);
    FutexWake(&word, kWakeAll);
  });
  // Bounded: a lost wake-up fails the test after 10 s instead of hanging it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (word.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    FutexWait(&word, 0, 100'000'000);
  }
  waker.join();
  EXPECT_EQ(word.load(), 1u);
}

}  // namespace
}  // namespace dw
