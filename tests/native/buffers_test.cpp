#include "buffers.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "cleanup.h"
#include "crash_helpers.h"
#include "heap.h"
#include "last_error.h"

namespace dw {
namespace {

class Buffers : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Region::Create(64ull << 20, 3, 0, &region_), DW_OK) << LastError();
    region_->set_self(0);
  }
  dw_status Open(const std::string& name, uint64_t size, BufferView* view) {
    return OpenBuffer(*region_, reinterpret_cast<const uint8_t*>(name.data()), static_cast<uint32_t>(name.size()), size,
                      view);
  }
  std::unique_ptr<Region> region_;
};

TEST_F(Buffers, Create_GivesZeroedBytes_AndAnOpenSeesTheSameBytes) {
  BufferView a, b;
  ASSERT_EQ(Open("frame", 4096, &a), DW_OK) << LastError();
  EXPECT_TRUE(a.created);
  EXPECT_EQ(a.size, 4096u);
  for (uint64_t i = 0; i < 4096; ++i) ASSERT_EQ(region_->At<uint8_t>(a.data_offset)[i], 0);
  std::memset(region_->At<uint8_t>(a.data_offset), 42, 4096);
  ASSERT_EQ(Open("frame", 4096, &b), DW_OK);
  EXPECT_FALSE(b.created);
  EXPECT_EQ(b.data_offset, a.data_offset) << "the same bytes, no copy";
  EXPECT_EQ(region_->At<uint8_t>(b.data_offset)[4095], 42);
}

TEST_F(Buffers, Open_WithAnotherSize_IsAConflict_AndSizeZeroOpensWhateverExists) {
  BufferView v;
  ASSERT_EQ(Open("b", 100, &v), DW_OK);
  EXPECT_EQ(Open("b", 200, &v), DW_E_CONFLICT);
  EXPECT_NE(std::strstr(LastError(), "exists with 100 bytes; asked for 200"), nullptr) << LastError();
  ASSERT_EQ(Open("b", 0, &v), DW_OK);
  EXPECT_EQ(v.size, 100u);
  EXPECT_EQ(Open("missing", 0, &v), DW_E_NOT_FOUND);
}

TEST_F(Buffers, BadNames_AreRefused) {
  BufferView v;
  EXPECT_EQ(Open("", 10, &v), DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(Open(std::string(layout::kMaxNameLength + 1, 'n'), 10, &v), DW_E_INVALID_ARGUMENT);
}

TEST_F(Buffers, TheLastRelease_FreesIt_AndAnExtraReleaseIsRefused) {
  BufferView a, b;
  Open("b", 1000, &a);
  Open("b", 1000, &b);
  EXPECT_EQ(BufferCount(*region_), 1u);
  ASSERT_EQ(ReleaseBuffer(*region_, a.index, a.generation), DW_OK);
  EXPECT_EQ(BufferCount(*region_), 1u) << "one reference is left";
  ASSERT_EQ(ReleaseBuffer(*region_, b.index, b.generation), DW_OK);
  EXPECT_EQ(BufferCount(*region_), 0u);
  EXPECT_EQ(ReleaseBuffer(*region_, b.index, b.generation), DW_E_NOT_OWNER);
}

TEST_F(Buffers, CreateAndReleaseInALoop_KeepsMemoryFlat) {
  BufferView v;
  Open("warmup", 1 << 20, &v);
  ReleaseBuffer(*region_, v.index, v.generation);
  const HeapStatistics before = ReadHeapStatistics(*region_);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(Open("loop", 1 << 20, &v), DW_OK) << i << ": " << LastError();
    ASSERT_EQ(ReleaseBuffer(*region_, v.index, v.generation), DW_OK);
  }
  const HeapStatistics after = ReadHeapStatistics(*region_);
  EXPECT_EQ(after.used_bytes, before.used_bytes);
  EXPECT_EQ(after.never_used, before.never_used) << "nothing new was cut from the heap";
}

TEST_F(Buffers, ReleaseFromAnotherProcess_OnlyGivesBackItsOwnReferences) {
  BufferView v;
  Open("b", 64, &v);
  EXPECT_EQ(testing::RunInChild(
                *region_, 1, [&] { return ReleaseBuffer(*region_, v.index, v.generation) == DW_E_NOT_OWNER ? 0 : 1; }),
            0);
  EXPECT_EQ(BufferCount(*region_), 1u);
}

TEST_F(Buffers, ADeadProcessesReferences_AreGivenBackByCleanup) {
  BufferView mine;
  Open("shared", 4096, &mine);
  ASSERT_EQ(testing::RunInChild(
                *region_, 1,
                [&] {
                  BufferView theirs;
                  return Open("shared", 4096, &theirs) == DW_OK && Open("only-theirs", 4096, &theirs) == DW_OK ? 0 : 1;
                }),
            0);  // the child exits without releasing: as if killed
  EXPECT_EQ(BufferCount(*region_), 2u);
  CleanupProcess(*region_, 1);
  EXPECT_EQ(BufferCount(*region_), 1u) << "only-theirs is freed; shared is still ours";
  ASSERT_EQ(ReleaseBuffer(*region_, mine.index, mine.generation), DW_OK);
  EXPECT_EQ(BufferCount(*region_), 0u);
}

TEST_F(Buffers, AProcessKilledWhileCreating_LeaksNothing) {
  DW_REQUIRE_ROBUST_LISTS();
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "buffers.entry.live", [&] {
    BufferView v;
    Open("half", 4096, &v);
  }));
  // The next locker finds the holder dead: the half-made entry's reference, never recorded
  // as a holding, is counted away and the entry freed; "half" is made anew.
  BufferView half, other;
  ASSERT_EQ(Open("half", 4096, &half), DW_OK);
  EXPECT_TRUE(half.created) << "the dead process's entry was freed by the repair";
  ASSERT_EQ(Open("other", 64, &other), DW_OK);
  CleanupProcess(*region_, 1);
  EXPECT_EQ(BufferCount(*region_), 2u);
  ASSERT_EQ(ReleaseBuffer(*region_, half.index, half.generation), DW_OK);
  ASSERT_EQ(ReleaseBuffer(*region_, other.index, other.generation), DW_OK);
  EXPECT_EQ(BufferCount(*region_), 0u) << "back to the baseline";
}

TEST_F(Buffers, AProcessKilledWhileReleasing_NeverFreesBytesOthersHold) {
  DW_REQUIRE_ROBUST_LISTS();
  BufferView mine;
  Open("b", 4096, &mine);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "buffers.holding.removed", [&] {
    BufferView theirs;
    Open("b", 4096, &theirs);
    ReleaseBuffer(*region_, theirs.index, theirs.generation);
  }));
  CleanupProcess(*region_, 1);
  EXPECT_EQ(BufferCount(*region_), 1u);
  std::memset(region_->At<uint8_t>(mine.data_offset), 1, 4096);  // still ours to use
  EXPECT_EQ(ReleaseBuffer(*region_, mine.index, mine.generation), DW_OK);
  EXPECT_EQ(BufferCount(*region_), 0u) << "the reference the dead process dropped without counting down is not leaked";
}

}  // namespace
}  // namespace dw
