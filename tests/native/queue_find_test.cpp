#include <gtest/gtest.h>

#include <string>

#include "last_error.h"
#include "queue.h"

namespace dw {
namespace {

dw_status Find(const Region& region, const std::string& name, uint32_t* index) {
  return FindQueue(region, reinterpret_cast<const uint8_t*>(name.data()), static_cast<uint32_t>(name.size()), index);
}

// Readers such as Cluster.Workers look at another process's inbox without creating it.
TEST(FindQueue, FindsAnOpenedQueue_AndCreatesNothing) {
  std::unique_ptr<Region> region;
  ASSERT_EQ(Region::Create(32ull << 20, 1, 0, &region), DW_OK) << LastError();
  uint32_t index = 77;
  EXPECT_EQ(Find(*region, "dw.inbox/1", &index), DW_E_NOT_FOUND);
  EXPECT_EQ(Find(*region, "dw.inbox/1", &index), DW_E_NOT_FOUND) << "the look created nothing";
  uint32_t opened = 0;
  uint64_t existing = 0;
  const std::string name = "dw.inbox/1";
  ASSERT_EQ(OpenQueue(*region, reinterpret_cast<const uint8_t*>(name.data()), static_cast<uint32_t>(name.size()), 16,
                      64, 0, &opened, &existing),
            DW_OK);
  ASSERT_EQ(Find(*region, name, &index), DW_OK);
  EXPECT_EQ(index, opened);
  EXPECT_EQ(Find(*region, "", &index), DW_E_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace dw
