// The store's public operations (store.cpp): reads, writes, versions, expiry, keys, types.
#include "store_fixture.h"

namespace dw {
namespace {

namespace L = layout;
class StoreOps : public testing::StoreFixture {};

TEST_F(StoreOps, SetThenGet_RoundTrips_AndAMissingKeyIsNotFound) {
  EXPECT_EQ(Get("a"), "<absent>");
  ASSERT_EQ(Set("a", "hello"), DW_OK);
  EXPECT_EQ(Get("a"), "hello");
  EXPECT_EQ(StoreCount(*region_), 1u);
}

// Type identities (SetRequest::type): a value keeps the one it was stored with, and the
// operations that look at a value's bytes treat another type's value as different.
TEST_F(StoreOps, AValue_KeepsItsTypeIdentity_AndAnotherTypesValueReplacesItWhole) {
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

TEST_F(StoreOps, CompareExchange_OfEqualBytesButAnotherType_DoesNotApply) {
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

TEST_F(StoreOps, Increment_OfAnotherTypesEightBytes_IsAMismatch_ThatSaysWhichTypeIsThere) {
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

TEST_F(StoreOps, Get_IntoASmallBuffer_SaysHowBigTheValueIs) {
  Set("k", std::string(100, 'x'));
  uint8_t small[10];
  uint32_t length = 0;
  uint64_t version = 0;
  EXPECT_EQ(StoreGet(*region_, K("k"), small, sizeof small, &length, &version), DW_E_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, 100u);
}

TEST_F(StoreOps, Set_Overwrites_SmallerLargerAndBack) {
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

TEST_F(StoreOps, Version_GrowsWithEveryChange) {
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

TEST_F(StoreOps, Versions_NeverRepeat_EvenAfterTheKeyIsRemovedAndMadeAgain) {
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

TEST_F(StoreOps, SettingAnExpiry_ReplacesTheEntryWhole) {
  uint64_t v1 = 0, v2 = 0;
  Set("k", "forever");
  Get("k", &v1);
  Set("k", "brief", SetMode::kAlways, 60'000'000'000);  // a different expiry: a new entry, not in place
  Get("k", &v2);
  EXPECT_EQ(Get("k"), "brief");
  EXPECT_GT(v2, v1);
}

TEST_F(StoreOps, MissesOnBucketsNeverUsed_CostNoMemory) {
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

TEST_F(StoreOps, ABucketRefusesMoreThanItsChainLimit_AndItsKeysStayReadable) {
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

TEST_F(StoreOps, TryAdd_OnlyWhenAbsent) {
  bool applied = false;
  Set("k", "first", SetMode::kIfAbsent, 0, &applied);
  EXPECT_TRUE(applied);
  Set("k", "second", SetMode::kIfAbsent, 0, &applied);
  EXPECT_FALSE(applied);
  EXPECT_EQ(Get("k"), "first");
}

TEST_F(StoreOps, CompareExchange_SwapsOnlyFromTheExpectedBytes) {
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

TEST_F(StoreOps, SetIfVersion_FailsOnceTheEntryMoved) {
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

TEST_F(StoreOps, Remove_TakesItOut) {
  Set("k", "v");
  bool removed = false;
  ASSERT_EQ(StoreRemove(*region_, K("k"), &removed), DW_OK);
  EXPECT_TRUE(removed);
  EXPECT_EQ(Get("k"), "<absent>");
  ASSERT_EQ(StoreRemove(*region_, K("k"), &removed), DW_OK);
  EXPECT_FALSE(removed);
  EXPECT_EQ(StoreCount(*region_), 0u);
}

TEST_F(StoreOps, Increment_StartsAtZero_AndRefusesNonCounters) {
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

TEST_F(StoreOps, Expiry_HidesTheValue_AndWritersCollectIt) {
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

TEST_F(StoreOps, Keys_ListsEveryMatchingKeyOnce_AcrossCursorCalls) {
  for (int i = 0; i < 3000; ++i) Set("user:" + std::to_string(i), "v");
  for (int i = 0; i < 500; ++i) Set("order:" + std::to_string(i), "v");
  std::set<std::string> users = Keys("user:", 256);  // a small buffer: many calls
  EXPECT_EQ(users.size(), 3000u);
  EXPECT_TRUE(users.count("user:2999"));
  EXPECT_EQ(Keys("").size(), 3500u);
  EXPECT_EQ(Keys("nothing").size(), 0u);
}

TEST_F(StoreOps, ManyKeys_ShareBucketsAndStillEachHaveTheirValue) {
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

TEST_F(StoreOps, BadKeys_AreRefused) {
  StoreKey k;
  EXPECT_EQ(MakeStoreKey(*region_, nullptr, 0, &k), DW_E_INVALID_ARGUMENT);
  std::string long_key(L::kMaxKeyLength + 1, 'k');
  EXPECT_EQ(MakeStoreKey(*region_, reinterpret_cast<const uint8_t*>(long_key.data()),
                         static_cast<uint32_t>(long_key.size()), &k),
            DW_E_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(LastError(), "at most 1024 bytes"), nullptr);
}

TEST_F(StoreOps, ThreadsIncrementingOneCounter_LoseNoUpdate) {
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

TEST_F(StoreOps, ProcessesIncrementingOneCounter_LoseNoUpdate) {
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

}  // namespace
}  // namespace dw
