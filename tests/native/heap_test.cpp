#include "heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
  L::HeapControl* Control() { return region_->At<L::HeapControl>(region_->header()->heap_control_offset); }
  L::SizeClass& LargeClass() { return Control()->classes[L::kLargeClass]; }
  uint64_t TopOffset() { return Control()->top.load(); }

  struct Block {
    uint64_t start;  // region offset of the header
    uint64_t size;
    bool operator==(const Block&) const = default;
  };
  friend std::ostream& operator<<(std::ostream& os, const Block& b) {
    return os << "{" << b.start << ", " << b.size << "}";
  }

  // The large free list, in list order (bounded: a cycle shows as an overlong list).
  std::vector<Block> LargeList() {
    std::vector<Block> blocks;
    for (uint64_t at = LargeClass().free_head.load(); at != 0 && blocks.size() < 100'000;
         at = region_->At<std::atomic<uint64_t>>(at)->load()) {
      blocks.push_back({at - 16, region_->At<L::BlockHeader>(at - 16)->block_size});
    }
    return blocks;
  }

  // The large list is well formed: every block a free large block below the top, in address
  // order, no two overlapping or touching (touching ones would have merged), free_blocks right.
  ::testing::AssertionResult CheckLargeList() {
    const std::vector<Block> list = LargeList();
    uint64_t prev_end = 0;
    for (const Block& b : list) {
      const L::BlockHeader* h = region_->At<L::BlockHeader>(b.start);
      if (h->tag != (L::kBlockTag | L::kLargeClass) || h->state.load() != L::kBlockFree) {
        return ::testing::AssertionFailure() << "listed block " << b << " is not a free large block";
      }
      if (b.size == 0 || b.size % L::kLargeBlockGranule != 0 || b.start + b.size > TopOffset()) {
        return ::testing::AssertionFailure() << "listed block " << b << " has a bad size";
      }
      if (b.start < region_->header()->heap_offset || b.start <= prev_end) {
        return ::testing::AssertionFailure() << "listed block " << b << " is out of order, overlaps or touches "
                                             << "the one before (which ends at " << prev_end << ")";
      }
      prev_end = b.start + b.size;
    }
    if (LargeClass().free_blocks.load() != list.size()) {
      return ::testing::AssertionFailure()
             << "free_blocks " << LargeClass().free_blocks.load() << ", listed " << list.size();
    }
    if (LargeClass().pending.load() != 0) return ::testing::AssertionFailure() << "a free is still pending";
    return ::testing::AssertionSuccess();
  }

  // Walks every block from the heap's start to the top (each header's tag, state and size
  // well formed) and checks the large list against it: each listed block is one the walk
  // meets, marked free; each free large block the walk meets is listed (nothing lost).
  ::testing::AssertionResult CheckHeap() {
    if (::testing::AssertionResult list = CheckLargeList(); !list) return list;
    std::set<uint64_t> free_large;
    const uint64_t top = TopOffset();
    uint64_t at = region_->header()->heap_offset;
    for (; at < top;) {
      const L::BlockHeader* h = region_->At<L::BlockHeader>(at);
      const uint32_t klass = h->tag & ~L::kBlockTagMask;
      const uint32_t state = h->state.load();
      if ((h->tag & L::kBlockTagMask) != L::kBlockTag || klass > L::kLargeClass ||
          (state != L::kBlockFree && state != L::kBlockAllocated)) {
        return ::testing::AssertionFailure() << "no block header at " << at << " (tag " << std::hex << h->tag << ")";
      }
      const bool size_ok = klass == L::kLargeClass
                               ? h->block_size >= L::kLargeBlockGranule && h->block_size % L::kLargeBlockGranule == 0
                               : h->block_size == (L::kMinBlockSize << klass);
      if (!size_ok || h->block_size > top - at) {
        return ::testing::AssertionFailure()
               << "block at " << at << " (class " << klass << ") has size " << h->block_size;
      }
      if (klass == L::kLargeClass && state == L::kBlockFree) free_large.insert(at);
      at += h->block_size;
    }
    if (at != top) return ::testing::AssertionFailure() << "the last block ends at " << at << ", the top is " << top;
    std::set<uint64_t> listed;
    for (const Block& b : LargeList()) listed.insert(b.start);
    if (listed != free_large) {
      return ::testing::AssertionFailure() << listed.size() << " blocks listed, " << free_large.size()
                                           << " free large blocks in the heap: some are lost or not blocks";
    }
    return ::testing::AssertionSuccess();
  }

  // Like testing::RunAndKillAt, but the wait is bounded: a child that neither dies at
  // `point` nor exits within the limit is killed and reaped, and the result is false.
  bool KillChildAt(const char* point, const std::function<void()>& body) {
    pid_t child = fork();
    if (child < 0) return false;
    if (child == 0) {
      region_->set_self(1);
      testing::g_kill_point = point;
      testing::g_kill_hits_left = 1;
      g_crash_hook = testing::KillHere;
      body();
      _exit(0);  // the point was never reached
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    pid_t got = 0;
    while ((got = waitpid(child, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (got != child) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return false;
    }
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

  std::unique_ptr<Region> region_;
};

// Every block size below is whole pages and large: a payload of `pages` pages less the header.
constexpr uint64_t PagesOf(uint64_t pages) { return pages * 4096 - 16; }

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
  DW_REQUIRE_PAGE_REMOVAL();
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
  DW_REQUIRE_PAGE_REMOVAL();
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
        if (Allocate(*region_, bytes, &off) != DW_OK) {
          ++failures;
          return;
        }
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
  DW_REQUIRE_ROBUST_LISTS();
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
  DW_REQUIRE_ROBUST_LISTS();
  uint64_t off = Alloc(5000);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "heap.free.linked", [&] { Free(*region_, off); }));
  for (int i = 0; i < 100; ++i) {
    uint64_t a = Alloc(5000);
    ASSERT_EQ(Free(*region_, a), DW_OK);
  }
}

// Issue #11: allocate A, allocate B, free A, allocate C (bigger than A), free B, free C, with
// sizes that vary round to round. Unmerged, every free block is too small for the next C
// and the top climbs for good; merged, it stops once the biggest round has been seen.
TEST_F(Heap, AlternatingLargeAllocationsAndFreesOfVariedSizes_KeepTheTopFlat) {
  const uint64_t a_pages[] = {17, 40, 23, 64, 31, 18, 52};
  const uint64_t b_pages[] = {29, 17, 48, 19, 37, 61, 22};
  const uint64_t c_extra[] = {5, 33, 1, 12, 70, 3, 26};  // C is A plus this many pages
  uint64_t top_after_warm_up = 0;
  for (int round = 0; round < 10'000; ++round) {
    const int i = round % 7;
    const int j = (round / 7) % 7;  // B's and C's sizes cycle against A's
    uint64_t a = Alloc(PagesOf(a_pages[i]));
    uint64_t b = Alloc(PagesOf(b_pages[j]));
    ASSERT_EQ(Free(*region_, a), DW_OK);
    uint64_t c = Alloc(PagesOf(a_pages[i] + c_extra[(i + j) % 7]));
    ASSERT_EQ(Free(*region_, b), DW_OK);
    ASSERT_EQ(Free(*region_, c), DW_OK);
    if (round == 49 * 2 - 1) top_after_warm_up = Top();  // every (i, j) pair seen twice
    if (round >= 49 * 2) {
      ASSERT_EQ(Top(), top_after_warm_up) << "the top grew in round " << round;
    }
  }
  uint64_t most = 0;  // the most one round holds at once: A, B and C side by side
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 7; ++j) most = std::max(most, 2 * a_pages[i] + b_pages[j] + c_extra[(i + j) % 7]);
  }
  EXPECT_LE(Top(), most * 4096) << "the top stays within what one round needs at most";
  EXPECT_TRUE(CheckHeap());
  EXPECT_EQ(LargeList().size(), 1u) << "everything given back merged into one block";
  EXPECT_EQ(ReadHeapStatistics(*region_).used_bytes, 0u);
}

TEST_F(Heap, AFreedLargeBlock_MergesWithTheFreeBlockAfterIt) {
  const uint64_t top0 = TopOffset();
  uint64_t a = Alloc(PagesOf(20));
  uint64_t b = Alloc(PagesOf(30));
  uint64_t guard = Alloc(PagesOf(20));
  ASSERT_EQ(Free(*region_, b), DW_OK);
  ASSERT_EQ(Free(*region_, a), DW_OK);
  EXPECT_EQ(LargeList(), (std::vector<Block>{{top0, 50 * 4096}}));
  EXPECT_TRUE(CheckHeap());
  const uint64_t top = TopOffset();
  EXPECT_EQ(Alloc(PagesOf(50)), a) << "the combined size fits where the two were";
  EXPECT_EQ(TopOffset(), top);
  EXPECT_TRUE(LargeList().empty());
  (void)guard;
}

TEST_F(Heap, AFreedLargeBlock_MergesWithTheFreeBlockBeforeIt) {
  const uint64_t top0 = TopOffset();
  uint64_t a = Alloc(PagesOf(20));
  uint64_t b = Alloc(PagesOf(30));
  uint64_t guard = Alloc(PagesOf(20));
  ASSERT_EQ(Free(*region_, a), DW_OK);
  ASSERT_EQ(Free(*region_, b), DW_OK);
  EXPECT_EQ(LargeList(), (std::vector<Block>{{top0, 50 * 4096}}));
  EXPECT_TRUE(CheckHeap());
  const uint64_t top = TopOffset();
  EXPECT_EQ(Alloc(PagesOf(50)), a);
  EXPECT_EQ(TopOffset(), top);
  (void)guard;
}

TEST_F(Heap, AFreedLargeBlock_MergesWithFreeBlocksOnBothSides) {
  const uint64_t top0 = TopOffset();
  uint64_t a = Alloc(PagesOf(20));
  uint64_t b = Alloc(PagesOf(30));
  uint64_t c = Alloc(PagesOf(40));
  uint64_t guard = Alloc(PagesOf(20));
  ASSERT_EQ(Free(*region_, a), DW_OK);
  ASSERT_EQ(Free(*region_, c), DW_OK);
  EXPECT_EQ(LargeList().size(), 2u);
  ASSERT_EQ(Free(*region_, b), DW_OK);
  EXPECT_EQ(LargeList(), (std::vector<Block>{{top0, 90 * 4096}}));
  EXPECT_EQ(LargeClass().free_blocks.load(), 1u);
  EXPECT_EQ(ReadHeapStatistics(*region_).free_bytes, 90u * 4096) << "the free lists hold the merged block";
  EXPECT_TRUE(CheckHeap());
  const uint64_t top = TopOffset();
  EXPECT_EQ(Alloc(PagesOf(90)), a);
  EXPECT_EQ(TopOffset(), top);
  ASSERT_EQ(Free(*region_, guard), DW_OK);  // merges with nothing: the block before is in use
  EXPECT_EQ(LargeList().size(), 1u);
  EXPECT_TRUE(CheckHeap());
}

TEST_F(Heap, LargeBlocksWithASmallBlockBetweenThem_DoNotMerge) {
  uint64_t a = Alloc(PagesOf(20));
  uint64_t small = Alloc(100);
  uint64_t b = Alloc(PagesOf(20));
  uint64_t guard = Alloc(PagesOf(20));
  ASSERT_EQ(Free(*region_, small), DW_OK);  // free, but on its own list
  ASSERT_EQ(Free(*region_, a), DW_OK);
  ASSERT_EQ(Free(*region_, b), DW_OK);
  EXPECT_EQ(LargeList(), (std::vector<Block>{{a - 16, 20 * 4096}, {b - 16, 20 * 4096}}));
  EXPECT_TRUE(CheckHeap());
  (void)guard;
}

TEST_F(Heap, AnAllocation_SplitsABiggerFreeBlock_AndItsRestMergesBackWhenFreed) {
  uint64_t big = Alloc(PagesOf(100));
  uint64_t guard = Alloc(PagesOf(20));
  ASSERT_EQ(Free(*region_, big), DW_OK);
  const uint64_t top = TopOffset();
  uint64_t part = Alloc(PagesOf(30));
  EXPECT_EQ(part, big);
  EXPECT_EQ(PayloadCapacity(*region_, part), PagesOf(30)) << "the block is exactly the size asked";
  EXPECT_EQ(LargeList(), (std::vector<Block>{{big - 16 + 30 * 4096, 70 * 4096}})) << "the rest stays listed";
  uint64_t second = Alloc(PagesOf(70));
  EXPECT_EQ(second, big + 30 * 4096) << "the rest, whole";
  ASSERT_EQ(Free(*region_, part), DW_OK);
  ASSERT_EQ(Free(*region_, second), DW_OK);
  EXPECT_EQ(LargeList(), (std::vector<Block>{{big - 16, 100 * 4096}}));
  EXPECT_EQ(TopOffset(), top);
  EXPECT_TRUE(CheckHeap());
  (void)guard;
}

TEST_F(Heap, AnAllocationBiggerThanTheHighestFreeBlock_GrowsItOverTheTop) {
  uint64_t guard = Alloc(PagesOf(20));
  uint64_t a = Alloc(PagesOf(30));
  ASSERT_EQ(Free(*region_, a), DW_OK);
  const uint64_t top = TopOffset();
  ASSERT_EQ(a - 16 + 30 * 4096, top) << "the free block ends at the top";
  uint64_t bigger = Alloc(PagesOf(50), true);
  EXPECT_EQ(bigger, a);
  EXPECT_EQ(TopOffset(), top + 20 * 4096) << "the top grew by the 20 pages the free block lacked";
  EXPECT_TRUE(LargeList().empty());
  EXPECT_EQ(ReadHeapStatistics(*region_).free_bytes, 0u);
  EXPECT_TRUE(CheckHeap());
  (void)guard;
}

TEST_F(Heap, AMergedBlockAskedZeroed_ReadsAsZero) {
  DW_REQUIRE_PAGE_REMOVAL();
  uint64_t guard0 = Alloc(PagesOf(20));
  std::vector<uint64_t> parts;
  for (uint64_t pages : {17u, 23u, 19u}) {
    uint64_t off = Alloc(PagesOf(pages));
    std::memset(region_->At<char>(off), 0xAB, PagesOf(pages));
    parts.push_back(off);
  }
  uint64_t guard1 = Alloc(PagesOf(20));
  for (uint64_t off : {parts[0], parts[2], parts[1]}) ASSERT_EQ(Free(*region_, off), DW_OK);
  ASSERT_EQ(LargeList().size(), 1u);
  uint64_t whole = Alloc(PagesOf(59), true);
  ASSERT_EQ(whole, parts[0]);
  for (uint64_t i = 0; i < PagesOf(59); ++i) ASSERT_EQ(region_->At<char>(whole)[i], 0) << i;
  (void)guard0;
  (void)guard1;
}

TEST_F(Heap, FreeingNeighbours_GivesTheirPagesBackToTheKernel_MergedToo) {
  DW_REQUIRE_PAGE_REMOVAL();
  struct stat st {};
  const uint64_t size = 4ull << 20;
  std::vector<uint64_t> blocks;
  for (int i = 0; i < 4; ++i) {
    blocks.push_back(Alloc(size));
    std::memset(region_->At<char>(blocks.back()), 7, size);
  }
  uint64_t guard = Alloc(size);
  ASSERT_EQ(fstat(region_->fd(), &st), 0);
  const uint64_t touched = static_cast<uint64_t>(st.st_blocks) * 512;
  for (uint64_t off : {blocks[1], blocks[3], blocks[0], blocks[2]}) ASSERT_EQ(Free(*region_, off), DW_OK);
  ASSERT_EQ(LargeList().size(), 1u);
  ASSERT_EQ(fstat(region_->fd(), &st), 0);
  // The merged block keeps its header page and its last page, not a page per former boundary.
  EXPECT_LE(static_cast<uint64_t>(st.st_blocks) * 512, touched - 4 * (size + 4096) + 2 * 4096);
  (void)guard;
}

TEST_F(Heap, ThreadsAllocatingAndFreeingLargeBlocks_NeverShareOne_AndEndMerged) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::pair<uint64_t, uint64_t>> mine;
      for (int i = 0; i < 2'000; ++i) {
        uint64_t off = 0;
        const uint64_t bytes = PagesOf(17 + (i * 13 + t * 7) % 40);
        if (Allocate(*region_, bytes, &off) != DW_OK) {
          ++failures;
          return;
        }
        char* p = region_->At<char>(off);
        p[0] = p[bytes / 2] = p[bytes - 1] = static_cast<char>(t + 1);
        mine.emplace_back(off, bytes);
        if (mine.size() > 4) {
          auto [victim, n] = mine[(i * 7) % mine.size()];
          mine.erase(mine.begin() + (i * 7) % mine.size());
          const char* v = region_->At<char>(victim);
          if (v[0] != t + 1 || v[n / 2] != t + 1 || v[n - 1] != t + 1) ++failures;  // someone else wrote here
          if (Free(*region_, victim) != DW_OK) ++failures;
        }
      }
      for (auto [off, n] : mine) {
        if (Free(*region_, off) != DW_OK) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(CheckHeap());
  const uint64_t start = region_->header()->heap_offset;
  EXPECT_EQ(LargeList(), (std::vector<Block>{{start, TopOffset() - start}})) << "one block from the heap's start";
  EXPECT_EQ(ReadHeapStatistics(*region_).used_bytes, 0u);
}

// A process killed inside the large list's critical section while it merges the block it is
// freeing: the next locker (owner died) finishes the merge. Nothing is lost: the three
// blocks end up one free block, which an allocation of their combined size gets whole.
class HeapMergeCrash : public Heap {
 protected:
  void SetUp() override {
    DW_REQUIRE_ROBUST_LISTS();
    Heap::SetUp();
  }

  // [guard][a: 20 pages][b: 30 pages][c: 40 pages][guard]: `a` and `c` are freed first as
  // asked, then a child frees `b` and dies at `point`.
  // With `repair_point`, the next locker (a second child) dies too, there, while repairing.
  void KillWhileFreeingTheMiddle(const char* point, bool free_before, bool free_after,
                                 const char* repair_point = nullptr) {
    uint64_t guard0 = Alloc(PagesOf(20));
    uint64_t a = Alloc(PagesOf(20));
    uint64_t b = Alloc(PagesOf(30));
    uint64_t c = Alloc(PagesOf(40));
    uint64_t guard1 = Alloc(PagesOf(20));
    for (auto [off, pages] : {std::pair{a, 20}, {b, 30}, {c, 40}}) {
      std::memset(region_->At<char>(off), 0x5A, PagesOf(pages));  // a zeroed reuse must clear it
    }
    if (free_before) {
      ASSERT_EQ(Free(*region_, a), DW_OK);
    }
    if (free_after) {
      ASSERT_EQ(Free(*region_, c), DW_OK);
    }
    ASSERT_TRUE(KillChildAt(point, [&] { Free(*region_, b); })) << "the child did not die at " << point;
    if (repair_point != nullptr) {
      ASSERT_TRUE(KillChildAt(repair_point,
                              [&] {
                                uint64_t off = 0;
                                Allocate(*region_, PagesOf(200), &off);
                              }))
          << "the repairing child did not die at " << repair_point;
    }
    // The child died holding the large list's lock: the next large allocation repairs.
    uint64_t other = Alloc(PagesOf(200));
    EXPECT_NE(other, 0u);
    EXPECT_TRUE(CheckHeap());
    const uint64_t start = (free_before ? a : b) - 16;
    const uint64_t pages = 30 + (free_before ? 20 : 0) + (free_after ? 40 : 0);
    EXPECT_EQ(LargeList(), (std::vector<Block>{{start, pages * 4096}})) << "the merge was finished";
    const uint64_t top = TopOffset();
    uint64_t whole = Alloc(PagesOf(pages), true);
    EXPECT_EQ(whole, start + 16);
    EXPECT_EQ(TopOffset(), top);
    for (uint64_t i = 0; i < PagesOf(pages); ++i) ASSERT_EQ(region_->At<char>(whole)[i], 0) << i;
    // And the heap goes on.
    if (!free_before) {
      ASSERT_EQ(Free(*region_, a), DW_OK);
    }
    if (!free_after) {
      ASSERT_EQ(Free(*region_, c), DW_OK);
    }
    for (int i = 0; i < 200; ++i) {
      uint64_t x = Alloc(PagesOf(17 + i % 50));
      uint64_t y = Alloc(PagesOf(17 + (i * 7) % 30));
      ASSERT_EQ(Free(*region_, x), DW_OK);
      ASSERT_EQ(Free(*region_, y), DW_OK);
    }
    for (uint64_t off : {whole, other, guard0, guard1}) ASSERT_EQ(Free(*region_, off), DW_OK);
    EXPECT_TRUE(CheckHeap());
    EXPECT_EQ(LargeList().size(), 1u) << "everything merged back into one block";
  }
};

TEST_F(HeapMergeCrash, KilledAfterJournalingTheFree_TheNextLockerLinksTheBlock) {
  KillWhileFreeingTheMiddle("heap.large.pending", true, true);
}

TEST_F(HeapMergeCrash, KilledAfterGrowingTheBlockOverTheOneAfter_TheNextLockerLinksIt) {
  KillWhileFreeingTheMiddle("heap.large.sized", false, true);
}

TEST_F(HeapMergeCrash, KilledAfterGrowingTheBlockBeforeOverBoth_TheNextLockerDropsTheCoveredOne) {
  KillWhileFreeingTheMiddle("heap.large.grown", true, true);
}

TEST_F(HeapMergeCrash, KilledAfterGrowingTheBlockBefore_TheNextLockerSeesTheMergeDone) {
  KillWhileFreeingTheMiddle("heap.large.grown", true, false);
}

TEST_F(HeapMergeCrash, KilledAfterLinkingTheMergedBlock_TheNextLockerSeesTheMergeDone) {
  KillWhileFreeingTheMiddle("heap.large.merged", true, true);
}

TEST_F(HeapMergeCrash, KilledBeforeMergingWithNeither_TheNextLockerLinksTheBlock) {
  KillWhileFreeingTheMiddle("heap.large.pending", false, false);
}

TEST_F(HeapMergeCrash, KilledWhileRepairingAMerge_TheRepairIsDoneAgainByTheNextLocker) {
  KillWhileFreeingTheMiddle("heap.large.sized", false, true, "heap.large.merged");
}

// Killed while taking a block: what it was taking is lost, at most, and the list stays sound.
TEST_F(Heap, AProcessKilledWhileSplittingOrGrowingALargeBlock_LosesAtMostThatBlock) {
  DW_REQUIRE_ROBUST_LISTS();
  for (const char* point : {"heap.large.split", "heap.large.unlinked", "heap.large.extended"}) {
    SCOPED_TRACE(point);
    ASSERT_EQ(Region::Create(64ull << 20, 2, 0, &region_), DW_OK) << LastError();
    uint64_t guard = Alloc(PagesOf(20));
    uint64_t big = Alloc(PagesOf(100));
    ASSERT_EQ(Free(*region_, big), DW_OK);
    const uint64_t pages = std::strcmp(point, "heap.large.extended") == 0 ? 150 : 40;
    ASSERT_TRUE(KillChildAt(point, [&] {
      uint64_t off = 0;
      Allocate(*region_, PagesOf(pages), &off);
    }));
    uint64_t again = Alloc(PagesOf(40));  // repairs
    EXPECT_TRUE(CheckLargeList());
    uint64_t listed = 0;
    for (const Block& b : LargeList()) listed += b.size;
    // Below the top, what is neither listed nor in use (the counters: the child died before
    // counting its block) is lost.
    const uint64_t lost = Top() - listed - ReadHeapStatistics(*region_).used_bytes;
    EXPECT_LE(lost, pages * 4096) << "at most the block the dead process was taking is lost";
    for (int i = 0; i < 100; ++i) ASSERT_EQ(Free(*region_, Alloc(PagesOf(17 + i % 60))), DW_OK);
    ASSERT_EQ(Free(*region_, again), DW_OK);
    ASSERT_EQ(Free(*region_, guard), DW_OK);
    EXPECT_TRUE(CheckLargeList());
  }
}

TEST(HeapLayout, TheStatisticsCounters_ShareNoCacheLineWithTheTopOrTheLists) {
  constexpr uint64_t line = 64;
  const uint64_t counters = offsetof(L::HeapControl, used_bytes) / line;
  EXPECT_EQ(offsetof(L::HeapControl, frees) / line, counters);
  EXPECT_EQ(offsetof(L::HeapControl, free_bytes) / line, counters);
  EXPECT_EQ(offsetof(L::HeapControl, allocations) / line, counters);
  EXPECT_NE(offsetof(L::HeapControl, top) / line, counters);
  EXPECT_GE(offsetof(L::HeapControl, used_bytes), offsetof(L::HeapControl, classes) + sizeof(L::HeapControl::classes));
  EXPECT_EQ(offsetof(L::HeapControl, classes), 64u);
  EXPECT_EQ(sizeof(L::HeapControl), 4096u);
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
