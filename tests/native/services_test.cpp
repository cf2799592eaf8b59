#include "services.h"

#include <gtest/gtest.h>

#include <string>

#include "cleanup.h"
#include "last_error.h"

namespace dw {
namespace {

namespace L = layout;

class Services : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Region::Create(32ull << 20, 3, 0, &region_), DW_OK) << LastError();
    region_->set_self(0);
  }
  uint32_t Open(const std::string& name, uint64_t type_tag = 0) {
    uint32_t index = 0;
    uint64_t existing = 0;
    EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>(name.data()), static_cast<uint32_t>(name.size()),
                          type_tag, &index, &existing),
              DW_OK)
        << LastError();
    return index;
  }
  uint64_t FirstWord(uint32_t service) {
    uint64_t servers[16] = {};
    EXPECT_EQ(ServiceServers(*region_, service, servers), DW_OK);
    return servers[0];
  }
  L::Doorbell* Doorbell(uint32_t id) { return region_->At<L::Doorbell>(region_->header()->doorbells_offset) + id; }
  uint64_t Generation(uint32_t service) {
    return region_->At<L::ServiceEntry>(region_->header()->services_offset)[service].generation.load();
  }
  std::unique_ptr<Region> region_;
};

TEST_F(Services, ANameHasOneEntry_AndServersAreBitsOfIt) {
  uint32_t fib = Open("App.IFib");
  EXPECT_EQ(Open("App.IFib"), fib);
  uint32_t other = Open("App.IOther");
  EXPECT_NE(other, fib);
  EXPECT_EQ(FirstWord(fib), 0u);
  ASSERT_EQ(ServeService(*region_, fib, 1, true), DW_OK);
  ASSERT_EQ(ServeService(*region_, fib, 2, true), DW_OK);
  EXPECT_EQ(FirstWord(fib), 0b110u);
  EXPECT_EQ(FirstWord(other), 0u);
  ASSERT_EQ(ServeService(*region_, fib, 1, false), DW_OK);
  EXPECT_EQ(FirstWord(fib), 0b100u);
  uint64_t servers[16];
  ASSERT_EQ(ServeService(*region_, fib, 1000, true), DW_OK);
  ASSERT_EQ(ServiceServers(*region_, fib, servers), DW_OK);
  EXPECT_EQ(servers[15], uint64_t{1} << (1000 % 64));
}

TEST_F(Services, BadNamesAndIndexes_AreRefused) {
  uint32_t index = 0;
  uint64_t existing = 0;
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>(""), 0, 0, &index, &existing),
            DW_E_INVALID_ARGUMENT);
  std::string long_name(300, 'x');
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>(long_name.data()), 300, 0, &index, &existing),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(ServeService(*region_, 5000, 1, true), DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(ServeService(*region_, Open("s"), 5000, true), DW_E_NOT_FOUND);
}

TEST_F(Services, ATopicCreatedForOneType_RefusesAnother_AndSaysWhichItHas) {
  const uint32_t topic = Open("event:news", 0xAB);
  EXPECT_EQ(Open("event:news", 0xAB), topic);
  uint32_t index = UINT32_MAX;
  uint64_t existing = 0;
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>("event:news"), 10, 0xCD, &index, &existing),
            DW_E_TYPE_MISMATCH);
  EXPECT_EQ(existing, 0xABu);
  EXPECT_EQ(index, UINT32_MAX);
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>("event:news"), 10, L::kAnyType, &index, &existing),
            DW_OK);
  EXPECT_EQ(index, topic) << "found whatever its type";
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>("event:none"), 10, L::kAnyType, &index, &existing),
            DW_E_NOT_FOUND)
      << "and none is created";
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>("event:none"), 10, 0xAB, &index, &existing), DW_OK);
  // An RPC service (untyped) refuses a typed open too.
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>("App.IFib"), 8, 0, &index, &existing), DW_OK);
  EXPECT_EQ(OpenService(*region_, reinterpret_cast<const uint8_t*>("App.IFib"), 8, 7, &index, &existing),
            DW_E_TYPE_MISMATCH);
  EXPECT_EQ(existing, 0u);
}

TEST_F(Services, ADeadProcess_StopsServing_AndHasNothingInFlight) {
  uint32_t fib = Open("App.IFib");
  ASSERT_EQ(ServeService(*region_, fib, 1, true), DW_OK);
  AddCallsInFlight(*region_, 1, +1);
  AddCallsInFlight(*region_, 1, +1);
  CallAnswered(*region_, 1);
  EXPECT_EQ(CallsInFlight(*region_, 1), 1u);
  EXPECT_EQ(Doorbell(1)->calls_served.load(), 1u);
  CleanupProcess(*region_, 1);
  EXPECT_EQ(FirstWord(fib), 0u);
  EXPECT_EQ(CallsInFlight(*region_, 1), 0u);
  EXPECT_EQ(Doorbell(1)->calls_served.load(), 0u) << "the next process with this id starts counting at 0";
}

// Callers cache the servers they read while the generation stays: every change must move it.
TEST_F(Services, EveryChangeOfTheServers_RaisesTheGeneration_AndOnlyAChange) {
  uint32_t fib = Open("App.IFib");
  const uint64_t created = Generation(fib);
  ASSERT_EQ(ServeService(*region_, fib, 1, true), DW_OK);
  EXPECT_EQ(Generation(fib), created + 1);
  ASSERT_EQ(ServeService(*region_, fib, 1, true), DW_OK);  // already serving: no change
  EXPECT_EQ(Generation(fib), created + 1);
  ASSERT_EQ(ServeService(*region_, fib, 2, true), DW_OK);
  ASSERT_EQ(ServeService(*region_, fib, 1, false), DW_OK);
  EXPECT_EQ(Generation(fib), created + 3);
  CleanupProcess(*region_, 2);  // the launcher's repair of a dead server
  EXPECT_EQ(Generation(fib), created + 4);
  EXPECT_EQ(FirstWord(fib), 0u);
}

}  // namespace
}  // namespace dw
