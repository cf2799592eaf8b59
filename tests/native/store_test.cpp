#include "store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include "cleanup.h"
#include "crash_helpers.h"
#include "doorbell.h"
#include "dotnet_workers/dw.h"
#include "heap.h"
#include "last_error.h"
#include "process_table.h"

namespace dw {
namespace {

namespace L = layout;

class Store : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Region::Create(64ull << 20, 3, 0, &region_), DW_OK) << LastError();
    region_->set_self(0);
  }

  // The key points into `s`: keep `s` alive as long as the key.
  StoreKey K(const std::string& s) {
    StoreKey k;
    EXPECT_EQ(MakeStoreKey(*region_, reinterpret_cast<const uint8_t*>(s.data()), static_cast<uint32_t>(s.size()), &k),
              DW_OK);
    return k;
  }

  dw_status Set(const std::string& key, const std::string& value, SetMode mode = SetMode::kAlways, int64_t ttl_ns = 0,
                bool* applied_out = nullptr) {
    SetRequest q;
    q.value = reinterpret_cast<const uint8_t*>(value.data());
    q.length = static_cast<uint32_t>(value.size());
    q.mode = mode;
    q.ttl_ns = ttl_ns;
    bool applied = false;
    uint64_t version = 0;
    dw_status s = StoreSet(*region_, K(key), q, &applied, &version);
    if (applied_out) *applied_out = applied;
    return s;
  }

  // The value, or "<absent>".
  std::string Get(const std::string& key, uint64_t* version = nullptr) {
    std::vector<uint8_t> buffer(64);
    uint32_t length = 0;
    uint64_t v = 0;
    dw_status s = StoreGet(*region_, K(key), buffer.data(), static_cast<uint32_t>(buffer.size()), &length, &v);
    if (s == DW_E_BUFFER_TOO_SMALL) {
      buffer.resize(length);
      s = StoreGet(*region_, K(key), buffer.data(), length, &length, &v);
    }
    if (version) *version = v;
    if (s == DW_E_NOT_FOUND) return "<absent>";
    EXPECT_EQ(s, DW_OK) << LastError();
    return std::string(buffer.begin(), buffer.begin() + length);
  }

  int64_t Inc(const std::string& key, int64_t delta) {
    int64_t v = 0;
    EXPECT_EQ(StoreIncrement(*region_, K(key), delta, &v), DW_OK) << LastError();
    return v;
  }

  std::set<std::string> Keys(const std::string& prefix, uint32_t capacity = 4096) {
    std::set<std::string> keys;
    std::vector<uint8_t> buffer(capacity);
    uint64_t cursor = 0;
    while (cursor < region_->header()->bucket_count) {
      uint32_t used = 0, count = 0;
      EXPECT_EQ(StoreKeys(*region_, reinterpret_cast<const uint8_t*>(prefix.data()),
                          static_cast<uint32_t>(prefix.size()), &cursor, buffer.data(), capacity, &used, &count),
                DW_OK)
          << LastError();
      for (uint32_t at = 0; at < used;) {
        uint32_t n = 0;
        std::memcpy(&n, buffer.data() + at, 4);
        EXPECT_TRUE(keys.insert(std::string(buffer.begin() + at + 4, buffer.begin() + at + 4 + n)).second)
            << "listed twice";
        at += 4 + n;
      }
    }
    return keys;
  }

  // `n` keys that share one bucket (the hash is seeded per region: found here, not in advance).
  std::vector<std::string> KeysOfOneBucket(size_t n) {
    const uint64_t mask = region_->header()->bucket_count - 1;
    const uint64_t target = K("anchor").hash & mask;
    std::vector<std::string> same;
    for (uint64_t i = 0; same.size() < n; ++i) {
      std::string key = "b" + std::to_string(i);
      if ((K(key).hash & mask) == target) same.push_back(key);
    }
    return same;
  }

  // The sequence of the stripe that holds `key`: odd while a writer is inside.
  uint32_t SequenceOf(const std::string& key) {
    const uint32_t bucket = static_cast<uint32_t>(K(key).hash & (region_->header()->bucket_count - 1));
    return region_->At<L::Stripe>(region_->header()->stripes_offset)[bucket % L::kStripeCount].sequence.load();
  }

  uint64_t HeapFrees() { return ReadHeapStatistics(*region_).frees; }

  // What a reader can learn about `key`: StoreGet, StoreTryGetOnce, and StoreKeys of all keys.
  struct Seen {
    std::string value;  // Get: the value or "<absent>"
    uint64_t version = 0;
    dw_status quick = DW_E_TIMEOUT;
    std::string quick_value;
    std::set<std::string> keys;
  };

  Seen ReadAll(const std::string& key) {
    Seen seen;
    seen.value = Get(key, &seen.version);
    std::vector<uint8_t> buffer(4096);
    uint32_t length = 0;
    uint64_t version = 0;
    seen.quick =
        StoreTryGetOnce(*region_, K(key), buffer.data(), static_cast<uint32_t>(buffer.size()), &length, &version);
    if (seen.quick == DW_OK) seen.quick_value.assign(buffer.begin(), buffer.begin() + length);
    seen.keys = Keys("");
    return seen;
  }

  // Runs `read` on its own thread and waits at most 5 s for it: a read that waits for the
  // stopped writer fails the test instead of hanging it. Then the writer is killed, so the
  // read can end (a reader that waits for a dead writer repairs its stripe) and be joined.
  template <typename F>
  static std::optional<std::invoke_result_t<F>> Bounded(testing::ChildGuard& writer, F read) {
    auto result = std::async(std::launch::async, read);
    if (result.wait_for(std::chrono::seconds(5)) == std::future_status::ready) return result.get();
    ADD_FAILURE() << "the read waited for the writer stopped in the stripe";
    writer.Kill();
    result.wait();
    return std::nullopt;
  }

  std::unique_ptr<Region> region_;
};

TEST_F(Store, SetThenGet_RoundTrips_AndAMissingKeyIsNotFound) {
  EXPECT_EQ(Get("a"), "<absent>");
  ASSERT_EQ(Set("a", "hello"), DW_OK);
  EXPECT_EQ(Get("a"), "hello");
  EXPECT_EQ(StoreCount(*region_), 1u);
}

// Type identities (SetRequest::type): a value keeps the one it was stored with, and the
// operations that look at a value's bytes treat another type's value as different.
TEST_F(Store, AValue_KeepsItsTypeIdentity_AndAnotherTypesValueReplacesItWhole) {
  SetRequest q;
  const std::string small = "abc";
  q.value = reinterpret_cast<const uint8_t*>(small.data());
  q.length = 3;
  q.type = 0xA;
  bool applied = false;
  uint64_t version = 0;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  uint8_t buffer[16];
  uint32_t length = 0;
  uint64_t v = 0, type = 0;
  ASSERT_EQ(StoreGet(*region_, K("k"), buffer, sizeof buffer, &length, &v, &type), DW_OK);
  EXPECT_EQ(type, 0xAu);
  type = 0;
  ASSERT_EQ(StoreTryGetOnce(*region_, K("k"), buffer, sizeof buffer, &length, &v, &type), DW_OK);
  EXPECT_EQ(type, 0xAu);
  // Same size, another type: not written in place (a reader must never see the new type
  // with the old bytes), but as a new entry that takes the old one's place.
  const uint64_t frees = HeapFrees();
  q.type = 0xB;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  EXPECT_EQ(HeapFrees(), frees + 1) << "the old entry was replaced, not overwritten";
  ASSERT_EQ(StoreGet(*region_, K("k"), buffer, sizeof buffer, &length, &v, &type), DW_OK);
  EXPECT_EQ(type, 0xBu);
}

TEST_F(Store, CompareExchange_OfEqualBytesButAnotherType_DoesNotApply) {
  SetRequest q;
  const std::string bytes = "12345678";
  q.value = reinterpret_cast<const uint8_t*>(bytes.data());
  q.length = 8;
  q.type = 0xA;
  bool applied = false;
  uint64_t version = 0;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  q.mode = SetMode::kIfEqual;
  q.expected = q.value;
  q.expected_length = 8;
  q.type = 0xB;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  EXPECT_FALSE(applied);
  q.type = 0xA;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  EXPECT_TRUE(applied);
}

TEST_F(Store, Increment_OfAnotherTypesEightBytes_IsAMismatch_ThatSaysWhichTypeIsThere) {
  SetRequest q;
  const std::string bytes = "12345678";
  q.value = reinterpret_cast<const uint8_t*>(bytes.data());
  q.length = 8;
  q.type = 0xD0;
  bool applied = false;
  uint64_t version = 0;
  ASSERT_EQ(StoreSet(*region_, K("eight"), q, &applied, &version), DW_OK);
  int64_t value = 0;
  uint64_t existing = 0;
  EXPECT_EQ(StoreIncrement(*region_, K("eight"), 1, &value, 0xC0, &existing), DW_E_TYPE_MISMATCH);
  EXPECT_EQ(existing, 0xD0u);
  EXPECT_EQ(Get("eight"), bytes) << "untouched";
  // A counter made by Increment has the counter's type, and keeps it.
  EXPECT_EQ(StoreIncrement(*region_, K("n"), 5, &value, 0xC0, &existing), DW_OK);
  EXPECT_EQ(StoreIncrement(*region_, K("n"), 2, &value, 0xC0, &existing), DW_OK);
  EXPECT_EQ(value, 7);
  uint8_t buffer[8];
  uint32_t length = 0;
  uint64_t v = 0, type = 0;
  ASSERT_EQ(StoreGet(*region_, K("n"), buffer, sizeof buffer, &length, &v, &type), DW_OK);
  EXPECT_EQ(type, 0xC0u);
}

TEST_F(Store, AComputedValue_HasTheTypeItsClaimWasMadeFor) {
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

TEST_F(Store, AProcessWaitingForClaims_IsRungWhenOneEnds_WhicheverWayItEnds) {
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

TEST_F(Store, Get_IntoASmallBuffer_SaysHowBigTheValueIs) {
  Set("k", std::string(100, 'x'));
  uint8_t small[10];
  uint32_t length = 0;
  uint64_t version = 0;
  EXPECT_EQ(StoreGet(*region_, K("k"), small, sizeof small, &length, &version), DW_E_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, 100u);
}

TEST_F(Store, Set_Overwrites_SmallerLargerAndBack) {
  Set("k", "one");
  EXPECT_EQ(Get("k"), "one");
  Set("k", std::string(5000, 'b'));  // too big for the slots: a new entry replaces it
  EXPECT_EQ(Get("k"), std::string(5000, 'b'));
  Set("k", "two");
  EXPECT_EQ(Get("k"), "two");
  Set("k", "");
  EXPECT_EQ(Get("k"), "");
  EXPECT_EQ(StoreCount(*region_), 1u);
}

TEST_F(Store, Version_GrowsWithEveryChange) {
  uint64_t v1 = 0, v2 = 0, v3 = 0;
  Set("k", "a");
  Get("k", &v1);
  Set("k", "b");
  Get("k", &v2);
  Set("k", std::string(1000, 'c'));
  Get("k", &v3);
  EXPECT_LT(v1, v2);
  EXPECT_LT(v2, v3);
}

TEST_F(Store, Versions_NeverRepeat_EvenAfterTheKeyIsRemovedAndMadeAgain) {
  uint64_t first = 0, again = 0;
  Set("k", "a");
  Get("k", &first);
  bool removed = false;
  StoreRemove(*region_, K("k"), &removed);
  Set("k", "b");
  Get("k", &again);
  EXPECT_GT(again, first);

  // So an optimistic update that read the old key cannot overwrite the new one.
  SetRequest q;
  std::string stale = "stale";
  q.value = reinterpret_cast<const uint8_t*>(stale.data());
  q.length = 5;
  q.mode = SetMode::kIfVersion;
  q.expected_version = first;
  bool applied = true;
  uint64_t version = 0;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  EXPECT_FALSE(applied);
  EXPECT_EQ(Get("k"), "b");
}

TEST_F(Store, SettingAnExpiry_ReplacesTheEntryWhole) {
  uint64_t v1 = 0, v2 = 0;
  Set("k", "forever");
  Get("k", &v1);
  Set("k", "brief", SetMode::kAlways, 60'000'000'000);  // a different expiry: a new entry, not in place
  Get("k", &v2);
  EXPECT_EQ(Get("k"), "brief");
  EXPECT_GT(v2, v1);
}

TEST_F(Store, MissesOnBucketsNeverUsed_CostNoMemory) {
  std::unique_ptr<Region> big;
  ASSERT_EQ(Region::Create(1ull << 30, 1, 0, &big), DW_OK);  // 262144 buckets: 2 MiB of bucket array
  big->set_self(0);
  struct stat st {};
  ASSERT_EQ(fstat(big->fd(), &st), 0);
  const uint64_t before = static_cast<uint64_t>(st.st_blocks) * 512;
  uint8_t buffer[8];
  for (int i = 0; i < 100'000; ++i) {
    std::string key = "missing:" + std::to_string(i);
    StoreKey k;
    MakeStoreKey(*big, reinterpret_cast<const uint8_t*>(key.data()), static_cast<uint32_t>(key.size()), &k);
    uint32_t length = 0;
    uint64_t version = 0;
    ASSERT_EQ(StoreGet(*big, k, buffer, 8, &length, &version), DW_E_NOT_FOUND);
  }
  ASSERT_EQ(fstat(big->fd(), &st), 0);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512 - before, 64u * 1024) << "the bucket array was not faulted in";
}

TEST_F(Store, ABucketRefusesMoreThanItsChainLimit_AndItsKeysStayReadable) {
  // Find kMaxChainLength + 1 keys of one bucket (the hash is seeded per region: found here,
  // not in advance).
  const uint64_t mask = region_->header()->bucket_count - 1;
  const uint64_t target = K("anchor").hash & mask;
  std::vector<std::string> same;
  for (uint64_t i = 0; same.size() <= L::kMaxChainLength; ++i) {
    std::string key = std::to_string(i);
    if ((K(key).hash & mask) == target) same.push_back(key);
  }
  for (uint32_t i = 0; i < L::kMaxChainLength; ++i) ASSERT_EQ(Set(same[i], "v"), DW_OK) << i;
  EXPECT_EQ(Set(same.back(), "v"), DW_E_CAPACITY);
  EXPECT_NE(std::strstr(LastError(), "share this key's bucket"), nullptr) << LastError();
  EXPECT_EQ(Get(same[L::kMaxChainLength - 1]), "v") << "the last of the chain is still found";
  EXPECT_EQ(Set(same[0], "updated"), DW_OK) << "existing keys can still be written";
  EXPECT_EQ(Get(same[0]), "updated");
}

TEST_F(Store, TryAdd_OnlyWhenAbsent) {
  bool applied = false;
  Set("k", "first", SetMode::kIfAbsent, 0, &applied);
  EXPECT_TRUE(applied);
  Set("k", "second", SetMode::kIfAbsent, 0, &applied);
  EXPECT_FALSE(applied);
  EXPECT_EQ(Get("k"), "first");
}

TEST_F(Store, CompareExchange_SwapsOnlyFromTheExpectedBytes) {
  Set("k", "old");
  SetRequest q;
  std::string replacement = "new", wrong = "nope", expected = "old";
  q.value = reinterpret_cast<const uint8_t*>(replacement.data());
  q.length = 3;
  q.mode = SetMode::kIfEqual;
  q.expected = reinterpret_cast<const uint8_t*>(wrong.data());
  q.expected_length = 4;
  bool applied = true;
  uint64_t version = 0;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  EXPECT_FALSE(applied);
  q.expected = reinterpret_cast<const uint8_t*>(expected.data());
  q.expected_length = 3;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &version), DW_OK);
  EXPECT_TRUE(applied);
  EXPECT_EQ(Get("k"), "new");
}

TEST_F(Store, SetIfVersion_FailsOnceTheEntryMoved) {
  Set("k", "a");
  uint64_t seen = 0;
  Get("k", &seen);
  Set("k", "b");  // someone else's update
  SetRequest q;
  std::string mine = "mine";
  q.value = reinterpret_cast<const uint8_t*>(mine.data());
  q.length = 4;
  q.mode = SetMode::kIfVersion;
  q.expected_version = seen;
  bool applied = true;
  uint64_t now = 0;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &now), DW_OK);
  EXPECT_FALSE(applied);
  q.expected_version = now;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &now), DW_OK);
  EXPECT_TRUE(applied);
  EXPECT_EQ(Get("k"), "mine");
}

TEST_F(Store, Remove_TakesItOut) {
  Set("k", "v");
  bool removed = false;
  ASSERT_EQ(StoreRemove(*region_, K("k"), &removed), DW_OK);
  EXPECT_TRUE(removed);
  EXPECT_EQ(Get("k"), "<absent>");
  ASSERT_EQ(StoreRemove(*region_, K("k"), &removed), DW_OK);
  EXPECT_FALSE(removed);
  EXPECT_EQ(StoreCount(*region_), 0u);
}

TEST_F(Store, Increment_StartsAtZero_AndRefusesNonCounters) {
  EXPECT_EQ(Inc("c", 5), 5);
  EXPECT_EQ(Inc("c", -2), 3);
  uint64_t raw = 0;
  std::string bytes = Get("c");
  ASSERT_EQ(bytes.size(), 8u);
  std::memcpy(&raw, bytes.data(), 8);
  EXPECT_EQ(raw, 3u) << "a little-endian int64, as MemoryPack writes a long";
  Set("s", "not eight");
  int64_t v = 0;
  EXPECT_EQ(StoreIncrement(*region_, K("s"), 1, &v), DW_E_NOT_A_COUNTER);
}

TEST_F(Store, Expiry_HidesTheValue_AndWritersCollectIt) {
  Set("k", "brief", SetMode::kAlways, 1'000'000);  // 1 ms
  Set("stays", "x");
  usleep(5'000);
  EXPECT_EQ(Get("k"), "<absent>");
  bool applied = false;
  Set("k", "again", SetMode::kIfAbsent, 0, &applied);  // the writer removes the expired entry first
  EXPECT_TRUE(applied);
  EXPECT_EQ(Get("k"), "again");
  EXPECT_EQ(StoreCount(*region_), 2u);
}

TEST_F(Store, Keys_ListsEveryMatchingKeyOnce_AcrossCursorCalls) {
  for (int i = 0; i < 3000; ++i) Set("user:" + std::to_string(i), "v");
  for (int i = 0; i < 500; ++i) Set("order:" + std::to_string(i), "v");
  std::set<std::string> users = Keys("user:", 256);  // a small buffer: many calls
  EXPECT_EQ(users.size(), 3000u);
  EXPECT_TRUE(users.count("user:2999"));
  EXPECT_EQ(Keys("").size(), 3500u);
  EXPECT_EQ(Keys("nothing").size(), 0u);
}

TEST_F(Store, ManyKeys_ShareBucketsAndStillEachHaveTheirValue) {
  constexpr int kKeys = 50'000;  // ~12 per bucket in this region
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(Set("k" + std::to_string(i), std::to_string(i * 7)), DW_OK);
  for (int i = 0; i < kKeys; i += 3) {
    bool removed = false;
    StoreRemove(*region_, K("k" + std::to_string(i)), &removed);
  }
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(Get("k" + std::to_string(i)), i % 3 == 0 ? "<absent>" : std::to_string(i * 7)) << i;
  }
  EXPECT_EQ(StoreCount(*region_), static_cast<uint64_t>(kKeys - (kKeys + 2) / 3));
}

TEST_F(Store, BadKeys_AreRefused) {
  StoreKey k;
  EXPECT_EQ(MakeStoreKey(*region_, nullptr, 0, &k), DW_E_INVALID_ARGUMENT);
  std::string long_key(L::kMaxKeyLength + 1, 'k');
  EXPECT_EQ(MakeStoreKey(*region_, reinterpret_cast<const uint8_t*>(long_key.data()),
                         static_cast<uint32_t>(long_key.size()), &k),
            DW_E_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(LastError(), "at most 1024 bytes"), nullptr);
}

TEST_F(Store, ThreadsIncrementingOneCounter_LoseNoUpdate) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        int64_t v = 0;
        StoreIncrement(*region_, K("counter"), 1, &v);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Inc("counter", 0), 80'000);
}

TEST_F(Store, ProcessesIncrementingOneCounter_LoseNoUpdate) {
  std::vector<pid_t> children;
  for (uint32_t id = 1; id <= 3; ++id) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      region_->set_self(id);
      for (int i = 0; i < 20'000; ++i) {
        int64_t v = 0;
        if (StoreIncrement(*region_, K("counter"), 1, &v) != DW_OK) _exit(1);
      }
      _exit(0);
    }
    children.push_back(child);
  }
  for (pid_t c : children) {
    int status = 0;
    ASSERT_EQ(waitpid(c, &status, 0), c);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(Inc("counter", 0), 60'000);
}

TEST_F(Store, ReadersRacingWriters_NeverSeeATornValue) {
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      // Alternate sizes: in place (double-buffered) and replaced entries.
      const size_t n = (i % 3 == 0) ? 2000 : 40;
      Set("k", std::string(n, static_cast<char>('a' + i % 26)));
    }
  });
  std::thread reader([&] {
    std::vector<uint8_t> buffer(4096);
    while (reads < 50'000) {
      uint32_t length = 0;
      uint64_t version = 0;
      if (StoreGet(*region_, K("k"), buffer.data(), 4096, &length, &version) != DW_OK) continue;
      ++reads;
      if (length != 2000 && length != 40) ++torn;
      for (uint32_t j = 1; j < length; ++j) {
        if (buffer[j] != buffer[0]) {
          ++torn;
          break;
        }
      }
    }
    stop = true;
  });
  reader.join();
  writer.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_F(Store, OptimisticUpdatesRacingEachOther_LoseNoUpdate) {
  // Get, then Set if the version is still the one read: readers read while writers are in
  // the stripe, and a version read with an older value would let an update apply over a
  // value it never saw.
  constexpr int kThreads = 3, kUpdates = 20000;
  const std::string name = "counter";
  uint64_t zero = 0;
  Set(name, std::string(reinterpret_cast<const char*>(&zero), 8));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      StoreKey key = K(name);
      for (int done = 0; done < kUpdates;) {
        uint64_t value = 0, version = 0;
        uint32_t length = 0;
        if (StoreGet(*region_, key, reinterpret_cast<uint8_t*>(&value), 8, &length, &version) != DW_OK || length != 8) {
          ++failures;
          return;
        }
        ++value;
        SetRequest q;
        q.value = reinterpret_cast<const uint8_t*>(&value);
        q.length = 8;
        q.mode = SetMode::kIfVersion;
        q.expected_version = version;
        bool applied = false;
        uint64_t now = 0;
        if (StoreSet(*region_, key, q, &applied, &now) != DW_OK) {
          ++failures;
          return;
        }
        if (applied) ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::string bytes = Get(name);
  ASSERT_EQ(bytes.size(), 8u);
  uint64_t total = 0;
  std::memcpy(&total, bytes.data(), 8);
  EXPECT_EQ(total, static_cast<uint64_t>(kThreads) * kUpdates);
}

TEST_F(Store, AWriterKilledMidValue_LeavesTheOldValueWhole) {
  Set("k", "original");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "store.value.written", [&] { Set("k", "replaced"); }));
  EXPECT_EQ(Get("k"), "original") << "the half-written slot was never made live";
  ASSERT_EQ(Set("k", "after"), DW_OK) << "the next writer got the lock (owner died) and repaired";
  EXPECT_EQ(Get("k"), "after");
  EXPECT_EQ(region_->At<L::Stripe>(region_->header()->stripes_offset)[0].sequence.load() % 2, 0u);
}

TEST_F(Store, AWriterKilledAfterSwappingEntries_LeavesTheNewValue) {
  Set("k", "small");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "store.entry.replaced", [&] { Set("k", std::string(3000, 'L')); }));
  EXPECT_EQ(Get("k"), std::string(3000, 'L')) << "the swap is one store: committed";
  EXPECT_EQ(Set("k", "next"), DW_OK);
  EXPECT_EQ(Get("k"), "next");
}

TEST_F(Store, AWriterKilledAfterUnlinking_LeavesTheKeyRemoved) {
  Set("k", "v");
  Set("other", "w");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "store.entry.unlinked", [&] {
    bool removed = false;
    StoreRemove(*region_, K("k"), &removed);
  }));
  EXPECT_EQ(Get("k"), "<absent>");
  EXPECT_EQ(Get("other"), "w");
  EXPECT_EQ(Set("k", "back"), DW_OK);
  EXPECT_EQ(Get("k"), "back");
}

// A writer stopped inside its critical section (SIGSTOP at a crash point: a debugger, a long
// preemption) must not hold up readers: they get the last committed value, without waiting.

TEST_F(Store, AWriterStoppedMidValue_DoesNotHoldUpReaders_WhoGetTheCommittedValue) {
  Set("k", "original");
  Set("other", "o");
  uint64_t committed = 0;
  Get("k", &committed);
  testing::ChildGuard writer(testing::RunAndStopAt(*region_, 1, "store.value.written", [&] { Set("k", "replaced"); }));
  ASSERT_TRUE(writer.alive()) << "the writer never reached the point";
  EXPECT_EQ(SequenceOf("k") % 2, 1u) << "stopped inside its critical section";

  std::optional<Seen> seen = Bounded(writer, [&] { return ReadAll("k"); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->value, "original") << "the new value is in the inactive slot, not flipped to";
  EXPECT_EQ(seen->version, committed);
  EXPECT_EQ(seen->quick, DW_OK) << "the quick read does not give up on an odd sequence";
  EXPECT_EQ(seen->quick_value, "original");
  EXPECT_EQ(seen->keys, (std::set<std::string>{"k", "other"}));

  ASSERT_TRUE(writer.Kill());
  EXPECT_EQ(Get("k"), "original") << "the dead writer's value: not at all";
  ASSERT_EQ(Set("k", "after"), DW_OK) << "the next writer got the lock (owner died) and repaired";
  EXPECT_EQ(SequenceOf("k") % 2, 0u);
  uint64_t now = 0;
  EXPECT_EQ(Get("k", &now), "after");
  EXPECT_GT(now, committed);
  EXPECT_EQ(Get("other"), "o");
}

TEST_F(Store, AWriterStoppedAfterSwappingEntries_DoesNotHoldUpReaders_WhoGetTheNewValueWhole) {
  Set("k", "small");
  Set("other", "o");
  const std::string large(3000, 'L');  // too big for the slots: a new entry replaces the old one
  testing::ChildGuard writer(testing::RunAndStopAt(*region_, 1, "store.entry.replaced", [&] { Set("k", large); }));
  ASSERT_TRUE(writer.alive()) << "the writer never reached the point";
  EXPECT_EQ(SequenceOf("k") % 2, 1u);

  std::optional<Seen> seen = Bounded(writer, [&] { return ReadAll("k"); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_TRUE(seen->value == large) << "the swap is one store, done before the point: committed (got "
                                    << seen->value.size() << " bytes)";
  EXPECT_EQ(seen->quick, DW_OK);
  EXPECT_TRUE(seen->quick_value == large) << seen->quick_value.size() << " bytes";
  EXPECT_EQ(seen->keys, (std::set<std::string>{"k", "other"}));

  ASSERT_TRUE(writer.Kill());
  EXPECT_TRUE(Get("k") == large) << "the dead writer's value: whole";
  ASSERT_EQ(Set("k", "next"), DW_OK);
  EXPECT_EQ(SequenceOf("k") % 2, 0u);
  EXPECT_EQ(Get("k"), "next");
  EXPECT_EQ(StoreCount(*region_), 2u);
}

TEST_F(Store, AWriterStoppedAfterUnlinking_DoesNotHoldUpReaders_WhoSeeTheKeyRemoved) {
  Set("k", "v");
  Set("other", "w");
  testing::ChildGuard writer(testing::RunAndStopAt(*region_, 1, "store.entry.unlinked", [&] {
    bool removed = false;
    StoreRemove(*region_, K("k"), &removed);
  }));
  ASSERT_TRUE(writer.alive()) << "the writer never reached the point";
  EXPECT_EQ(SequenceOf("k") % 2, 1u);

  std::optional<Seen> seen = Bounded(writer, [&] { return ReadAll("k"); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->value, "<absent>") << "the unlink is one store, done before the point";
  EXPECT_EQ(seen->quick, DW_E_NOT_FOUND);
  EXPECT_EQ(seen->keys, (std::set<std::string>{"other"}));
  std::optional<std::string> other = Bounded(writer, [&] { return Get("other"); });
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(*other, "w");

  ASSERT_TRUE(writer.Kill());
  EXPECT_EQ(Get("k"), "<absent>");
  ASSERT_EQ(Set("k", "back"), DW_OK);
  EXPECT_EQ(SequenceOf("k") % 2, 0u);
  EXPECT_EQ(Get("k"), "back");
  EXPECT_EQ(Get("other"), "w");
}

TEST_F(Store, AWriterKilledBetweenFlipAndVersion_FailsUpdatesBasedOnReadsFromBefore) {
  Set("k", "before");
  uint64_t before = 0;
  ASSERT_EQ(Get("k", &before), "before");  // an Update based on this read must not apply after the crash
  testing::ChildGuard writer(testing::RunAndStopAt(*region_, 1, "store.value.flipped", [&] { Set("k", "after!"); }));
  ASSERT_TRUE(writer.alive()) << "the writer never reached the point";

  std::optional<Seen> seen = Bounded(writer, [&] { return ReadAll("k"); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->value, "after!") << "flipped: the new value is live";
  EXPECT_EQ(seen->version, before) << "its version is not stored yet: a reader gets the old one, never a newer";
  EXPECT_EQ(seen->quick_value, "after!");

  ASSERT_TRUE(writer.Kill());  // dies with the new value under the old version
  SetRequest q;
  const std::string mine = "mine";
  q.value = reinterpret_cast<const uint8_t*>(mine.data());
  q.length = 4;
  q.mode = SetMode::kIfVersion;
  q.expected_version = before;  // what both reads, before and during the write, returned
  bool applied = true;
  uint64_t now = 0;
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &now), DW_OK) << LastError();
  EXPECT_FALSE(applied) << "the repair gave the value a new version: the update would lose \"after!\"";
  EXPECT_GT(now, before);
  uint64_t read_version = 0;
  EXPECT_EQ(Get("k", &read_version), "after!");
  EXPECT_EQ(read_version, now);
  EXPECT_EQ(SequenceOf("k") % 2, 0u);

  q.expected_version = now;  // read again, update again: applies
  ASSERT_EQ(StoreSet(*region_, K("k"), q, &applied, &now), DW_OK);
  EXPECT_TRUE(applied);
  EXPECT_EQ(Get("k"), "mine");
}

TEST_F(Store, ExpiredEntriesBeyondTheDeferredList_AreLeftForLaterWriters_AndTheKeyItselfAlwaysGoes) {
  // More expired values in one chain than one critical section may unlink (it frees only
  // after it ends, and keeps a bounded list of what to free).
  std::vector<std::string> same = KeysOfOneBucket(12);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Set(same[i], "brief", SetMode::kAlways, 1'000'000), DW_OK);  // 1 ms
  ASSERT_EQ(Set(same[10], "stays"), DW_OK);
  usleep(5'000);
  EXPECT_EQ(StoreCount(*region_), 11u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Get(same[i]), "<absent>") << i;

  // The key's own expired entry goes even past the others the list has room for: TryAdd
  // sees the key absent.
  const uint64_t frees = HeapFrees();
  bool applied = false;
  ASSERT_EQ(Set(same[9], "again", SetMode::kIfAbsent, 0, &applied), DW_OK);
  EXPECT_TRUE(applied);
  EXPECT_EQ(Get(same[9]), "again");
  EXPECT_EQ(StoreCount(*region_), 11u - 3 - 1 + 1) << "three others and the key's own removed, the key added";
  EXPECT_EQ(HeapFrees(), frees + 4) << "freed once the section ended";

  // Each later writer of the chain collects up to three more.
  const uint64_t expected[] = {5, 2, 2};  // 6 expired left: 3, 3, then none
  for (uint64_t count : expected) {
    ASSERT_EQ(Set(same[10], "stays"), DW_OK);  // in place, walking past the expired ones before it
    EXPECT_EQ(StoreCount(*region_), count);
  }
  EXPECT_EQ(Get(same[10]), "stays");
  EXPECT_EQ(Keys(""), (std::set<std::string>{same[9], same[10]}));
  for (int i = 0; i < 9; ++i) EXPECT_EQ(Get(same[i]), "<absent>") << i;
}

TEST_F(Store, AWriterWalkingPastManyExpiredEntries_FreesNothingInsideItsSection) {
  std::vector<std::string> same = KeysOfOneBucket(11);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Set(same[i], "brief", SetMode::kAlways, 1'000'000), DW_OK);
  ASSERT_EQ(Set(same[10], "stays"), DW_OK);
  usleep(5'000);
  const uint64_t frees = HeapFrees();
  // Stopped in its section after its walk: readers may be in anything it unlinked.
  testing::ChildGuard writer(
      testing::RunAndStopAt(*region_, 1, "store.value.written", [&] { Set(same[10], "update"); }));
  ASSERT_TRUE(writer.alive()) << "the writer never reached the point";
  EXPECT_EQ(HeapFrees(), frees) << "a block was freed inside the critical section";
  std::optional<Seen> seen = Bounded(writer, [&] { return ReadAll(same[10]); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->value, "stays");
  EXPECT_EQ(seen->keys, (std::set<std::string>{same[10]}));
  std::optional<std::string> expired = Bounded(writer, [&] { return Get(same[0]); });
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(*expired, "<absent>");

  ASSERT_TRUE(writer.Kill());  // what it had unlinked (three) leaks with it; the rest is still linked
  EXPECT_EQ(StoreCount(*region_), 8u);
  for (uint64_t count : {5u, 2u, 1u, 1u}) {
    ASSERT_EQ(Set(same[10], "stays"), DW_OK);
    EXPECT_EQ(StoreCount(*region_), count);
  }
  EXPECT_EQ(SequenceOf(same[10]) % 2, 0u);
  EXPECT_EQ(Get(same[10]), "stays");
  EXPECT_EQ(Keys(""), (std::set<std::string>{same[10]}));
}

// GetOrSet ---------------------------------------------------------------------------------

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

TEST_F(Store, GetOrSet_OneClaimsTheOthersWait_ThenAllGetTheValue) {
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

TEST_F(Store, GetOrSet_AFailureReachesItsWaiters_AndTheNextCallerTriesAgain) {
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

TEST_F(Store, GetOrSet_AFailureIsDeliveredEvenWhenTheRegionIsFull) {
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

TEST_F(Store, GetOrSet_AValueThatDoesNotFit_GivesTheClaimUp) {
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

TEST_F(Store, GetOrSet_ASetWinsOverAComputation) {
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

TEST_F(Store, GetOrSet_AClaimKeepsItsRound_ThroughTheRepairOfItsStripe) {
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

TEST_F(Store, GetOrSet_AComputingProcessKilled_IsTakenOverByAWaiter) {
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
