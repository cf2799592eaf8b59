#include "name_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

namespace dw {
namespace {

namespace L = layout;

struct Entry {
  std::atomic<uint32_t> state{L::kSlotEmpty};
  uint64_t name = 0;
};

NameProbe Probe(Entry* table, uint32_t capacity, uint64_t hash, uint64_t name) {
  return ProbeNames(table, capacity, hash, [&](const Entry& e) { return e.name == name; });
}

TEST(NameTable, AnEmptyTable_OffersTheHashsSlot) {
  Entry table[8];
  NameProbe p = Probe(table, 8, 13, 42);
  EXPECT_EQ(p.found, NameProbe::kNone);
  EXPECT_EQ(p.vacant, 13u % 8);
}

TEST(NameTable, ALiveEntry_IsFoundPastOthersOfTheSameSlot) {
  Entry table[8];
  table[5].state = L::kSlotLive;
  table[5].name = 1;
  table[6].state = L::kSlotLive;
  table[6].name = 2;
  EXPECT_EQ(Probe(table, 8, 5, 2).found, 6u);
  NameProbe absent = Probe(table, 8, 5, 3);
  EXPECT_EQ(absent.found, NameProbe::kNone);
  EXPECT_EQ(absent.vacant, 7u) << "the first empty slot after the run";
}

TEST(NameTable, ADeletedEntry_IsSkipped_ButOfferedForReuse_AndAnEmptyOneEndsTheSearch) {
  Entry table[8];
  table[2].state = L::kSlotDeleted;
  table[2].name = 9;  // a dead name is not found
  table[3].state = L::kSlotLive;
  table[3].name = 9;
  EXPECT_EQ(Probe(table, 8, 2, 9).found, 3u) << "probing goes on past a deleted slot";
  NameProbe other = Probe(table, 8, 2, 10);
  EXPECT_EQ(other.found, NameProbe::kNone);
  EXPECT_EQ(other.vacant, 2u) << "the deleted slot comes first";
  table[1].state = L::kSlotLive;
  table[1].name = 11;
  EXPECT_EQ(Probe(table, 8, 0, 11).found, NameProbe::kNone) << "slot 0 is empty: the name is nowhere further";
}

TEST(NameTable, AFullTable_OffersNothing_AndWrapsAround) {
  Entry table[4];
  for (uint64_t i = 0; i < 4; ++i) {
    table[i].state = L::kSlotLive;
    table[i].name = 100 + i;
  }
  EXPECT_EQ(Probe(table, 4, 3, 100).found, 0u) << "wraps from the last slot to the first";
  NameProbe p = Probe(table, 4, 1, 7);
  EXPECT_EQ(p.found, NameProbe::kNone);
  EXPECT_EQ(p.vacant, NameProbe::kNone);
}

}  // namespace
}  // namespace dw
