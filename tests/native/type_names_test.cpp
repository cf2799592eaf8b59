#include "type_names.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "last_error.h"

namespace dw {
namespace {

namespace L = layout;

class TypeNames : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Region::Create(32ull << 20, 1, 0, &region_), DW_OK) << LastError(); }

  dw_status Register(uint64_t identity, const std::string& name) {
    return RegisterTypeName(*region_, identity, reinterpret_cast<const uint8_t*>(name.data()),
                            static_cast<uint32_t>(name.size()));
  }

  // The name, or "<none>".
  std::string Find(uint64_t identity) {
    char buffer[L::kMaxTypeNameLength];
    uint32_t length = 0;
    const dw_status s = FindTypeName(*region_, identity, reinterpret_cast<uint8_t*>(buffer), sizeof buffer, &length);
    if (s == DW_E_NOT_FOUND) return "<none>";
    EXPECT_EQ(s, DW_OK) << LastError();
    return std::string(buffer, length);
  }

  std::unique_ptr<Region> region_;
};

TEST_F(TypeNames, ARegisteredName_IsFound_AndTheFirstRegistrationWins) {
  EXPECT_EQ(Find(42), "<none>");
  ASSERT_EQ(Register(42, "App.Config"), DW_OK);
  ASSERT_EQ(Register(42, "Something.Else"), DW_OK);
  EXPECT_EQ(Find(42), "App.Config");
  EXPECT_EQ(Find(42 + L::kTypeNameCapacity), "<none>") << "same slot, other identity";
}

TEST_F(TypeNames, IdentitiesThatShareASlot_ProbeOnward) {
  ASSERT_EQ(Register(7, "first"), DW_OK);
  ASSERT_EQ(Register(7 + L::kTypeNameCapacity, "second"), DW_OK);
  EXPECT_EQ(Find(7), "first");
  EXPECT_EQ(Find(7 + L::kTypeNameCapacity), "second");
}

TEST_F(TypeNames, ALongName_IsCut_AndASmallBuffer_IsTold) {
  const std::string long_name(500, 'n');
  ASSERT_EQ(Register(9, long_name), DW_OK);
  EXPECT_EQ(Find(9), long_name.substr(0, L::kMaxTypeNameLength));
  char small[4];
  uint32_t length = 0;
  EXPECT_EQ(FindTypeName(*region_, 9, reinterpret_cast<uint8_t*>(small), sizeof small, &length), DW_E_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, L::kMaxTypeNameLength);
}

TEST_F(TypeNames, IdentityZero_AndAFullTable_AreRefused) {
  EXPECT_EQ(Register(0, "x"), DW_E_INVALID_ARGUMENT);
  for (uint64_t i = 1; i <= L::kTypeNameCapacity; ++i) ASSERT_EQ(Register(i, "t" + std::to_string(i)), DW_OK) << i;
  EXPECT_EQ(Register(L::kTypeNameCapacity + 1, "one too many"), DW_E_CAPACITY);
  EXPECT_EQ(Find(L::kTypeNameCapacity), "t" + std::to_string(L::kTypeNameCapacity));
}

TEST_F(TypeNames, ManyThreadsRegisteringAtOnce_LoseNoName) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 1; i <= 200; ++i) Register(i * 4 + static_cast<uint64_t>(t), "n" + std::to_string(i * 4 + t));
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (uint64_t i = 4; i < 804; ++i) EXPECT_EQ(Find(i), "n" + std::to_string(i));
}

}  // namespace
}  // namespace dw
