// GetOrSet claims (store_claims.cpp): once in the cluster, failures, takeover, the claims watch.
#include "store_fixture.h"

namespace dw {
namespace {

namespace L = layout;
class StoreClaims : public testing::StoreFixture {};

TEST_F(StoreClaims, AComputedValue_HasTheTypeItsClaimWasMadeFor) {
  uint8_t buffer[64];
  uint32_t length = 0;
  ClaimState state{};
  uint64_t round = 0, ref = 0, found = 0;
  ASSERT_EQ(StoreClaim(*region_, K("g"), 0, buffer, sizeof buffer, &length, &state, &round, &ref, 0xE0, &found), DW_OK);
  ASSERT_EQ(state, ClaimState::kOwned);
  const std::string value = "computed";
  ASSERT_EQ(StoreResolve(*region_, K("g"), round, ref, ClaimOutcome::kValue,
                         reinterpret_cast<const uint8_t*>(value.data()), static_cast<uint32_t>(value.size()), 0),
            DW_OK);
  ASSERT_EQ(StoreClaim(*region_, K("g"), 0, buffer, sizeof buffer, &length, &state, &round, &ref, 0xF0, &found), DW_OK);
  EXPECT_EQ(state, ClaimState::kValue);
  EXPECT_EQ(found, 0xE0u) << "a claim for another type learns which type is there";
  uint64_t v = 0, type = 0;
  ASSERT_EQ(StoreGet(*region_, K("g"), buffer, sizeof buffer, &length, &v, &type), DW_OK);
  EXPECT_EQ(type, 0xE0u);
}

TEST_F(StoreClaims, AProcessWaitingForClaims_IsRungWhenOneEnds_WhicheverWayItEnds) {
  WatchClaims(*region_, 2, true);
  uint8_t buffer[64];
  uint32_t length = 0;
  ClaimState state{};
  uint64_t round = 0, ref = 0;
  auto settled = [&] { return region_->header()->claims_settled.load(); };
  const uint32_t rings = ReadDoorbell(*region_, 2);
  const uint64_t before = settled();
  // Resolved.
  ASSERT_EQ(StoreClaim(*region_, K("a"), 0, buffer, sizeof buffer, &length, &state, &round, &ref), DW_OK);
  EXPECT_EQ(settled(), before) << "a claim made is no claim ended";
  ASSERT_EQ(
      StoreResolve(*region_, K("a"), round, ref, ClaimOutcome::kValue, reinterpret_cast<const uint8_t*>("v"), 1, 0),
      DW_OK);
  EXPECT_EQ(settled(), before + 1);
  EXPECT_EQ(ReadDoorbell(*region_, 2), rings + 1);
  // Replaced by a Set: its waiters get the Set's value.
  ASSERT_EQ(StoreClaim(*region_, K("b"), 0, buffer, sizeof buffer, &length, &state, &round, &ref), DW_OK);
  ASSERT_EQ(Set("b", "set"), DW_OK);
  EXPECT_EQ(settled(), before + 2);
  // Removed.
  ASSERT_EQ(StoreClaim(*region_, K("c"), 0, buffer, sizeof buffer, &length, &state, &round, &ref), DW_OK);
  bool removed = false;
  ASSERT_EQ(StoreRemove(*region_, K("c"), &removed), DW_OK);
  EXPECT_EQ(settled(), before + 3);
  // Abandoned by a process that died computing it.
  ASSERT_EQ(testing::RunInChild(*region_, 1,
                                [&] {
                                  return StoreClaim(*region_, K("d"), 0, buffer, sizeof buffer, &length, &state, &round,
                                                    &ref) == DW_OK
                                             ? 0
                                             : 1;
                                }),
            0);
  CleanupProcess(*region_, 1);
  EXPECT_EQ(settled(), before + 4);
  EXPECT_GE(ReadDoorbell(*region_, 2), rings + 4);
  // A plain Set of a key nobody computes ends no claim.
  ASSERT_EQ(Set("plain", "x"), DW_OK);
  EXPECT_EQ(settled(), before + 4);
  // A dead watcher is forgotten.
  CleanupProcess(*region_, 2);
  const uint32_t after = ReadDoorbell(*region_, 2);
  ASSERT_EQ(StoreClaim(*region_, K("e"), 0, buffer, sizeof buffer, &length, &state, &round, &ref), DW_OK);
  ASSERT_EQ(StoreResolve(*region_, K("e"), round, ref, ClaimOutcome::kAbandoned, nullptr, 0, 0), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), after) << "the claim ended, but nobody watches";
}

struct Claim {
  dw_status status;
  ClaimState state;
  uint64_t round;
  uint64_t ref;
  std::string bytes;
};

Claim ClaimAs(Region& r, uint32_t id, const StoreKey& key, uint64_t waited = 0) {
  r.set_self(id);
  Claim c{};
  std::vector<uint8_t> buffer(1024);
  uint32_t length = 0;
  c.status = StoreClaim(r, key, waited, buffer.data(), 1024, &length, &c.state, &c.round, &c.ref);
  c.bytes.assign(buffer.begin(), buffer.begin() + length);
  return c;
}

TEST_F(StoreClaims, GetOrSet_OneClaimsTheOthersWait_ThenAllGetTheValue) {
  const std::string name = "file:/tmp/foo";
  StoreKey key = K(name);
  Claim first = ClaimAs(*region_, 1, key);
  ASSERT_EQ(first.status, DW_OK);
  EXPECT_EQ(first.state, ClaimState::kOwned);
  Claim second = ClaimAs(*region_, 2, key);
  EXPECT_EQ(second.state, ClaimState::kPending);
  EXPECT_EQ(second.round, first.round);
  EXPECT_EQ(Get("file:/tmp/foo"), "<absent>") << "a pending computation is no value yet";

  region_->set_self(1);
  std::string text = "contents";
  ASSERT_EQ(StoreResolve(*region_, key, first.round, first.ref, ClaimOutcome::kValue,
                         reinterpret_cast<const uint8_t*>(text.data()), 8, 0),
            DW_OK);
  Claim after = ClaimAs(*region_, 2, key, second.round);
  EXPECT_EQ(after.state, ClaimState::kValue);
  EXPECT_EQ(after.bytes, "contents");
  EXPECT_EQ(Get("file:/tmp/foo"), "contents");
}

TEST_F(StoreClaims, GetOrSet_AFailureReachesItsWaiters_AndTheNextCallerTriesAgain) {
  const std::string name = "k";
  StoreKey key = K(name);
  Claim owner = ClaimAs(*region_, 1, key);
  Claim waiter = ClaimAs(*region_, 2, key);
  region_->set_self(1);
  std::string message = "System.IO.FileNotFoundException: gone";
  StoreResolve(*region_, key, owner.round, owner.ref, ClaimOutcome::kFailed,
               reinterpret_cast<const uint8_t*>(message.data()), static_cast<uint32_t>(message.size()), 0);
  Claim told = ClaimAs(*region_, 2, key, waiter.round);
  EXPECT_EQ(told.state, ClaimState::kFailed);
  EXPECT_EQ(told.bytes, message);
  Claim fresh = ClaimAs(*region_, 0, key);
  EXPECT_EQ(fresh.state, ClaimState::kOwned) << "a failure is not cached for new callers";
}

TEST_F(StoreClaims, GetOrSet_AFailureIsDeliveredEvenWhenTheRegionIsFull) {
  const std::string name = "k";
  StoreKey key = K(name);
  Claim owner = ClaimAs(*region_, 1, key);
  Claim waiter = ClaimAs(*region_, 2, key);
  std::vector<uint64_t> hog;  // fill the heap
  for (uint64_t off = 0; Allocate(*region_, 1 << 16, &off) == DW_OK;) hog.push_back(off);
  for (uint64_t off = 0; Allocate(*region_, 64, &off) == DW_OK;) hog.push_back(off);
  region_->set_self(1);
  std::string message(1000, 'm');  // more than the claim kept room for
  ASSERT_EQ(StoreResolve(*region_, key, owner.round, owner.ref, ClaimOutcome::kFailed,
                         reinterpret_cast<const uint8_t*>(message.data()), 1000, 0),
            DW_OK)
      << LastError();
  Claim told = ClaimAs(*region_, 2, key, waiter.round);
  EXPECT_EQ(told.state, ClaimState::kFailed);
  EXPECT_GE(told.bytes.size(), L::kPendingSlotCapacity) << "cut to fit the room the claim kept, not lost";
  EXPECT_LT(told.bytes.size(), message.size());
  EXPECT_EQ(told.bytes, std::string(told.bytes.size(), 'm'));
}

TEST_F(StoreClaims, GetOrSet_AValueThatDoesNotFit_GivesTheClaimUp) {
  const std::string name = "k";
  StoreKey key = K(name);
  Claim owner = ClaimAs(*region_, 1, key);
  std::vector<uint64_t> hog;
  for (uint64_t off = 0; Allocate(*region_, 1 << 16, &off) == DW_OK;) hog.push_back(off);
  for (uint64_t off = 0; Allocate(*region_, 64, &off) == DW_OK;) hog.push_back(off);
  region_->set_self(1);
  std::string big(100'000, 'v');
  EXPECT_EQ(StoreResolve(*region_, key, owner.round, owner.ref, ClaimOutcome::kValue,
                         reinterpret_cast<const uint8_t*>(big.data()), static_cast<uint32_t>(big.size()), 0),
            DW_E_EXHAUSTED);
  for (uint64_t off : hog) Free(*region_, off);
  Claim next = ClaimAs(*region_, 2, key);
  EXPECT_EQ(next.state, ClaimState::kOwned) << "abandoned: the next caller computes it";
}

TEST_F(StoreClaims, GetOrSet_ASetWinsOverAComputation) {
  const std::string name = "k";
  StoreKey key = K(name);
  Claim owner = ClaimAs(*region_, 1, key);
  Set("k", "set by someone");
  region_->set_self(1);
  std::string late = "computed";
  ASSERT_EQ(StoreResolve(*region_, key, owner.round, owner.ref, ClaimOutcome::kValue,
                         reinterpret_cast<const uint8_t*>(late.data()), 8, 0),
            DW_OK);
  EXPECT_EQ(Get("k"), "set by someone");
}

TEST_F(StoreClaims, GetOrSet_AClaimKeepsItsRound_ThroughTheRepairOfItsStripe) {
  DW_REQUIRE_ROBUST_LISTS();
  // The repair after a dead writer gives values new versions; a pending claim's version is
  // its round, which its living owner's resolve must still match.
  std::vector<std::string> same = KeysOfOneBucket(2);
  StoreKey key = K(same[0]);
  Claim owner = ClaimAs(*region_, 1, key);
  ASSERT_EQ(owner.state, ClaimState::kOwned);
  region_->set_self(0);
  Set(same[1], "v");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 2, "store.value.written", [&] { Set(same[1], "w"); }));
  ASSERT_EQ(Set(same[1], "x"), DW_OK) << "this writer repaired the stripe";
  region_->set_self(1);
  std::string text = "computed";
  ASSERT_EQ(StoreResolve(*region_, key, owner.round, owner.ref, ClaimOutcome::kValue,
                         reinterpret_cast<const uint8_t*>(text.data()), 8, 0),
            DW_OK);
  EXPECT_EQ(Get(same[0]), "computed") << "the claim was still the owner's after the repair";
  EXPECT_EQ(Get(same[1]), "x");
}

TEST_F(StoreClaims, GetOrSet_AComputingProcessKilled_IsTakenOverByAWaiter) {
  DW_REQUIRE_ROBUST_LISTS();
  const std::string name = "k";
  StoreKey key = K(name);
  ProcessStarting(region_->process(1), "worker");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "store.claim.owned", [&] {
    uint8_t buffer[8];
    uint32_t length = 0;
    ClaimState state;
    uint64_t round = 0, ref = 0;
    StoreClaim(*region_, key, 0, buffer, 8, &length, &state, &round, &ref);
  }));
  Claim waiter = ClaimAs(*region_, 2, key);
  ASSERT_EQ(waiter.state, ClaimState::kPending) << "the dead process's claim stands until clean-up";
  CleanupProcess(*region_, 1);  // what the launcher does after reaping it
  Claim taken = ClaimAs(*region_, 2, key, waiter.round);
  EXPECT_EQ(taken.state, ClaimState::kOwned);
}

}  // namespace
}  // namespace dw
