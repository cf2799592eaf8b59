#include "heap.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include "crash_helpers.h"
#include "last_error.h"

namespace dw {
namespace {

namespace L = layout;

class Heap : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Region::Create(64ull << 20, 2, 0, &region_), DW_OK) << LastError(); }
  uint64_t Alloc(uint64_t bytes, bool zeroed = false) {
    uint64_t off = 0;
    EXPECT_EQ(Allocate(*region_, bytes, &off, zeroed), DW_OK) << LastError();
    return off;
  }
  uint64_t Top() { return ReadHeapStatistics(*region_).heap_bytes - ReadHeapStatistics(*region_).never_used; }
  std::unique_ptr<Region> region_;
};

TEST_F(Heap, Allocate_GivesDistinctAlignedPayloadsOfAtLeastTheAskedSize) {
  std::set<uint64_t> seen;
  for (uint64_t bytes : {1ull, 8ull, 48ull, 49ull, 1000ull, 65520ull, 65521ull, 300000ull}) {
    uint64_t off = Alloc(bytes);
    EXPECT_EQ(off % 16, 0u);
    EXPECT_GE(PayloadCapacity(*region_, off), bytes);
    EXPECT_TRUE(region_->InHeap(off, bytes));
    EXPECT_TRUE(seen.insert(off).second);
  }
}

TEST_F(Heap, Free_ThenAllocateTheSameSize_ReusesTheBlock) {
  uint64_t a = Alloc(100);
  ASSERT_EQ(Free(*region_, a), DW_OK);
  EXPECT_EQ(Alloc(100), a);
  uint64_t big = Alloc(1 << 20);
  ASSERT_EQ(Free(*region_, big), DW_OK);
  EXPECT_EQ(Alloc(1 << 20), big);
}

TEST_F(Heap, CreateAndReleaseInALoop_KeepsUsageFlat) {
  Free(*region_, Alloc(100'000));
  Free(*region_, Alloc(200));
  const uint64_t top = Top();
  const HeapStatistics before = ReadHeapStatistics(*region_);
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_EQ(Free(*region_, Alloc(100'000)), DW_OK);
    ASSERT_EQ(Free(*region_, Alloc(200)), DW_OK);
  }
  EXPECT_EQ(Top(), top) << "nothing new was cut from the top";
  EXPECT_EQ(ReadHeapStatistics(*region_).used_bytes, before.used_bytes);
}

TEST_F(Heap, FreeingALargeBlock_GivesItsPagesBackToTheKernel) {
  struct stat st {};
  const uint64_t size = 16ull << 20;
  uint64_t off = Alloc(size);
  std::memset(region_->At<char>(off), 7, size);
  ASSERT_EQ(fstat(region_->fd(), &st), 0);
  const uint64_t touched = static_cast<uint64_t>(st.st_blocks) * 512;
  ASSERT_EQ(Free(*region_, off), DW_OK);
  ASSERT_EQ(fstat(region_->fd(), &st), 0);
  EXPECT_LE(static_cast<uint64_t>(st.st_blocks) * 512, touched - size + (1ull << 20));
}

TEST_F(Heap, AReusedBlockAskedZeroed_ReadsAsZero) {
  uint64_t small = Alloc(500);
  std::memset(region_->At<char>(small), 0xAB, 500);
  Free(*region_, small);
  uint64_t large = Alloc(200'000);
  std::memset(region_->At<char>(large), 0xCD, 200'000);
  Free(*region_, large);
  uint64_t again_small = Alloc(500, true);
  uint64_t again_large = Alloc(200'000, true);
  ASSERT_EQ(again_small, small);
  ASSERT_EQ(again_large, large);
  for (uint64_t i = 0; i < 500; ++i) ASSERT_EQ(region_->At<char>(small)[i], 0) << i;
  for (uint64_t i = 0; i < 200'000; ++i) ASSERT_EQ(region_->At<char>(large)[i], 0) << i;
}

TEST_F(Heap, Exhaustion_SaysWhatWasAskedAndWhatIsLeft_AndTheHeapStillWorks) {
  uint64_t off = 0;
  const uint64_t too_much = 62ull << 20;  // less than the region, more than its heap
  EXPECT_EQ(Allocate(*region_, too_much, &off), DW_E_EXHAUSTED);
  EXPECT_NE(std::strstr(LastError(), "asked for 65011712 bytes"), nullptr) << LastError();
  EXPECT_NE(std::strstr(LastError(), "bytes left"), nullptr) << LastError();
  EXPECT_EQ(Allocate(*region_, 1ull << 40, &off), DW_E_EXHAUSTED);
  EXPECT_NE(std::strstr(LastError(), "more than the whole region"), nullptr) << LastError();
  std::vector<uint64_t> blocks;
  for (;;) {  // fill it up
    if (Allocate(*region_, 1 << 20, &off) != DW_OK) break;
    blocks.push_back(off);
  }
  EXPECT_EQ(Allocate(*region_, 1 << 20, &off), DW_E_EXHAUSTED);
  ASSERT_FALSE(blocks.empty());
  Free(*region_, blocks.back());
  EXPECT_EQ(Allocate(*region_, 1 << 20, &off), DW_OK) << "freed memory is usable again";
}

TEST_F(Heap, FreeingTwice_IsRefused) {
  uint64_t off = Alloc(64);
  ASSERT_EQ(Free(*region_, off), DW_OK);
  EXPECT_EQ(Free(*region_, off), DW_E_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(LastError(), "freed twice"), nullptr);
}

TEST_F(Heap, FreeingSomethingThatIsNoBlock_IsRefused) {
  EXPECT_EQ(Free(*region_, 12), DW_E_INVALID_ARGUMENT);
  uint64_t off = Alloc(64);
  region_->At<L::BlockHeader>(off - 16)->tag = 0x12345678;  // damage
  EXPECT_EQ(Free(*region_, off), DW_E_CORRUPT);
  EXPECT_EQ(Allocate(*region_, 8, &off), DW_E_CORRUPT) << "the corrupt flag is sticky";
}

TEST_F(Heap, ThreadsAllocatingAndFreeing_NeverShareABlock) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint64_t> mine;
      for (int i = 0; i < 20'000; ++i) {
        uint64_t off = 0;
        uint64_t bytes = 16 + (i * 37 + t) % 3000;
        if (Allocate(*region_, bytes, &off) != DW_OK) { ++failures; return; }
        std::memset(region_->At<char>(off), t + 1, bytes);
        mine.push_back(off);
        if (mine.size() > 50) {
          uint64_t victim = mine.front();
          mine.erase(mine.begin());
          for (uint64_t k = 0; k < 16; ++k) {
            if (region_->At<char>(victim)[k] != t + 1) ++failures;  // someone else wrote here
          }
          Free(*region_, victim);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(Heap, AProcessKilledWhileTakingABlock_LeavesTheHeapUsable) {
  Free(*region_, Alloc(100));  // one block on the 128-byte list
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "heap.small.popped", [&] {
    uint64_t off = 0;
    Allocate(*region_, 100, &off);
  }));
  // The dead process held the list's lock: the next allocation gets it (owner died) and goes on.
  uint64_t off = Alloc(100);
  EXPECT_NE(off, 0u);
  EXPECT_EQ(Free(*region_, off), DW_OK);
  EXPECT_EQ(Alloc(100), off);
}

TEST_F(Heap, AProcessKilledWhileGivingABlockBack_LeavesTheHeapUsable) {
  uint64_t off = Alloc(5000);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "heap.free.linked", [&] { Free(*region_, off); }));
  for (int i = 0; i < 100; ++i) {
    uint64_t a = Alloc(5000);
    ASSERT_EQ(Free(*region_, a), DW_OK);
  }
}

TEST(HeapSizes, BlockSizeFor_RoundsToTheClassOrToPages) {
  EXPECT_EQ(BlockSizeFor(1), 64u);
  EXPECT_EQ(BlockSizeFor(48), 64u);
  EXPECT_EQ(BlockSizeFor(49), 128u);
  EXPECT_EQ(BlockSizeFor(65520), 65536u);
  EXPECT_EQ(BlockSizeFor(65521), 69632u);
}

}  // namespace
}  // namespace dw
