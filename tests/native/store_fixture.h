// The fixture the store's tests share (store_test.cpp, store_stripe_test.cpp,
// store_claims_test.cpp): a region with three process ids, and helpers to set, get, list
// and read keys as a reader would.
#pragma once

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

namespace dw::testing {

namespace L = layout;

class StoreFixture : public ::testing::Test {
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

}  // namespace dw::testing
