#include "restart_backoff.h"

#include <gtest/gtest.h>

namespace dw::host {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1000 * kMs;

// pm2's exp_backoff_restart_delay: 100 ms, x1.5 each time, at most 15 s; 30 s of healthy
// life starts it over.
TEST(RestartBackoff, DelaysGrowByHalf_UpToTheCap) {
  RestartBackoff backoff(RestartLimits{.max_restarts = 1000, .window_ms = 1000});
  uint64_t now = 0;
  std::vector<uint64_t> delays;
  for (int i = 0; i < 14; ++i) {
    now += 10 * kS;  // each death outside the previous one's window, never healthy for 30 s
    delays.push_back(*backoff.OnDeath(now - kS, now));
  }
  EXPECT_EQ(delays[0], 100u);
  EXPECT_EQ(delays[1], 150u);
  EXPECT_EQ(delays[2], 225u);
  EXPECT_EQ(delays[3], 337u);
  EXPECT_EQ(delays[12], 12'921u);  // whole milliseconds: 8614 + 4307
  EXPECT_EQ(delays[13], 15'000u);
  EXPECT_EQ(backoff.restarts(), 14u);
}

TEST(RestartBackoff, AHealthyLife_StartsTheDelayOver) {
  RestartBackoff backoff(RestartLimits{.max_restarts = 100});
  EXPECT_EQ(*backoff.OnDeath(0, kS), 100u);
  EXPECT_EQ(*backoff.OnDeath(2 * kS, 3 * kS), 150u);
  EXPECT_EQ(*backoff.OnDeath(4 * kS, 5 * kS), 225u);
  EXPECT_EQ(*backoff.OnDeath(6 * kS, 36 * kS), 100u) << "30 s of life";
  EXPECT_EQ(*backoff.OnDeath(37 * kS, 38 * kS), 150u);
}

TEST(RestartBackoff, MoreDeathsThanAllowedWithinTheWindow_AreRefused) {
  RestartBackoff backoff(RestartLimits{.max_restarts = 3, .window_ms = 60'000});
  EXPECT_TRUE(backoff.OnDeath(0, 1 * kS));
  EXPECT_TRUE(backoff.OnDeath(1 * kS, 2 * kS));
  EXPECT_TRUE(backoff.OnDeath(2 * kS, 3 * kS));
  EXPECT_FALSE(backoff.OnDeath(3 * kS, 4 * kS)) << "the 4th within 60 s";
}

TEST(RestartBackoff, AFirstDelayOfZero_RestartsAtOnceEveryTime) {
  RestartBackoff backoff(RestartLimits{.max_restarts = 100, .first_delay_ms = 0});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(*backoff.OnDeath(0, static_cast<uint64_t>(i) * kS), 0u);
}

TEST(RestartBackoff, NoRestartsAllowed_RefusesTheFirstDeath) {
  RestartBackoff backoff(RestartLimits{.max_restarts = 0});
  EXPECT_FALSE(backoff.OnDeath(0, kS));
}

}  // namespace
}  // namespace dw::host
