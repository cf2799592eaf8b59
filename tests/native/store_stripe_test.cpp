// The stripes (store_stripe.h, store_entry.cpp): readers racing, stopped and killed writers,
// the repair, the deferred frees.
#include "store_fixture.h"

namespace dw {
namespace {

namespace L = layout;
class StoreStripes : public testing::StoreFixture {};

TEST_F(StoreStripes, ReadersRacingWriters_NeverSeeATornValue) {
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

TEST_F(StoreStripes, OptimisticUpdatesRacingEachOther_LoseNoUpdate) {
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

TEST_F(StoreStripes, AWriterKilledMidValue_LeavesTheOldValueWhole) {
  DW_REQUIRE_ROBUST_LISTS();
  Set("k", "original");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "store.value.written", [&] { Set("k", "replaced"); }));
  EXPECT_EQ(Get("k"), "original") << "the half-written slot was never made live";
  ASSERT_EQ(Set("k", "after"), DW_OK) << "the next writer got the lock (owner died) and repaired";
  EXPECT_EQ(Get("k"), "after");
  EXPECT_EQ(region_->At<L::Stripe>(region_->header()->stripes_offset)[0].sequence.load() % 2, 0u);
}

TEST_F(StoreStripes, AWriterKilledAfterSwappingEntries_LeavesTheNewValue) {
  DW_REQUIRE_ROBUST_LISTS();
  Set("k", "small");
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "store.entry.replaced", [&] { Set("k", std::string(3000, 'L')); }));
  EXPECT_EQ(Get("k"), std::string(3000, 'L')) << "the swap is one store: committed";
  EXPECT_EQ(Set("k", "next"), DW_OK);
  EXPECT_EQ(Get("k"), "next");
}

TEST_F(StoreStripes, AWriterKilledAfterUnlinking_LeavesTheKeyRemoved) {
  DW_REQUIRE_ROBUST_LISTS();
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

TEST_F(StoreStripes, AWriterStoppedMidValue_DoesNotHoldUpReaders_WhoGetTheCommittedValue) {
  DW_REQUIRE_ROBUST_LISTS();
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

TEST_F(StoreStripes, AWriterStoppedAfterSwappingEntries_DoesNotHoldUpReaders_WhoGetTheNewValueWhole) {
  DW_REQUIRE_ROBUST_LISTS();
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

TEST_F(StoreStripes, AWriterStoppedAfterUnlinking_DoesNotHoldUpReaders_WhoSeeTheKeyRemoved) {
  DW_REQUIRE_ROBUST_LISTS();
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

TEST_F(StoreStripes, AWriterKilledBetweenFlipAndVersion_FailsUpdatesBasedOnReadsFromBefore) {
  DW_REQUIRE_ROBUST_LISTS();
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

TEST_F(StoreStripes, ExpiredEntriesBeyondTheDeferredList_AreLeftForLaterWriters_AndTheKeyItselfAlwaysGoes) {
  // More expired values in one chain than one critical section may unlink (it frees only
  // after it ends, and keeps a bounded list of what to free).
  std::vector<std::string> same = KeysOfOneBucket(12);
  // 100 ms: long enough that none expires while the others are set (a writer would collect
  // it), even on a busy machine or under qemu-user.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Set(same[i], "brief", SetMode::kAlways, 100'000'000), DW_OK);
  ASSERT_EQ(Set(same[10], "stays"), DW_OK);
  usleep(150'000);
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

TEST_F(StoreStripes, AWriterWalkingPastManyExpiredEntries_FreesNothingInsideItsSection) {
  DW_REQUIRE_ROBUST_LISTS();
  std::vector<std::string> same = KeysOfOneBucket(11);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Set(same[i], "brief", SetMode::kAlways, 100'000'000), DW_OK);
  ASSERT_EQ(Set(same[10], "stays"), DW_OK);
  usleep(150'000);
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

}  // namespace
}  // namespace dw
