#include "queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "crash_helpers.h"
#include "doorbell.h"
#include "heap.h"
#include "last_error.h"
#include "robust_mutex.h"

namespace dw {
namespace {

namespace L = layout;

// The type identity the tests open their queues with (any non-zero value).
constexpr uint64_t kTag = 0x5EED;

class Queues : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Region::Create(32ull << 20, 3, 0, &region_), DW_OK) << LastError();
    region_->set_self(0);
  }
  uint32_t Open(const std::string& name, uint32_t capacity, uint32_t slot_size = 64) {
    uint32_t index = 0;
    uint64_t existing = 0;
    EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>(name.data()), static_cast<uint32_t>(name.size()),
                        capacity, slot_size, kTag, &index, &existing),
              DW_OK)
        << LastError();
    return index;
  }
  dw_status Write(uint32_t q, const std::string& message, int64_t timeout_ms = 0) {
    return Enqueue(*region_, q, reinterpret_cast<const uint8_t*>(message.data()), static_cast<uint32_t>(message.size()),
                   timeout_ms);
  }
  dw_status Read(uint32_t q, std::string* message, int64_t timeout_ms = 0) {
    std::vector<uint8_t> buffer(1 << 20);
    uint32_t length = 0;
    dw_status s = Dequeue(*region_, q, buffer.data(), static_cast<uint32_t>(buffer.size()), &length, timeout_ms);
    if (s == DW_OK) message->assign(reinterpret_cast<char*>(buffer.data()), length);
    return s;
  }
  // Reads a batch into a buffer of `capacity` bytes; the messages it held, in order.
  dw_status ReadMany(uint32_t q, std::vector<std::string>* messages, uint32_t capacity = 1 << 20,
                     uint32_t max_messages = 64, uint32_t* used_out = nullptr) {
    std::vector<uint8_t> buffer(capacity);
    uint32_t count = 0, used = 0;
    dw_status s = DequeueMany(*region_, q, buffer.data(), capacity, max_messages, &count, &used);
    if (used_out != nullptr) *used_out = used;
    messages->clear();
    for (uint32_t i = 0, at = 0; s == DW_OK && i < count; ++i) {
      uint32_t n = 0;
      std::memcpy(&n, buffer.data() + at, sizeof n);
      messages->emplace_back(reinterpret_cast<char*>(buffer.data() + at + sizeof n), n);
      at += static_cast<uint32_t>(sizeof n) + n;
    }
    return s;
  }
  uint64_t Count(uint32_t q) {
    uint64_t count = 0;
    bool completed = false;
    EXPECT_EQ(QueueState(*region_, q, &count, &completed), DW_OK);
    return count;
  }
  std::unique_ptr<Region> region_;
};

TEST_F(Queues, DeliversMessagesInOrder_AndReportsEmpty) {
  uint32_t q = Open("jobs", 8);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Write(q, "m" + std::to_string(i)), DW_OK);
  EXPECT_EQ(Count(q), 5u);
  for (int i = 0; i < 5; ++i) {
    std::string m;
    ASSERT_EQ(Read(q, &m), DW_OK);
    EXPECT_EQ(m, "m" + std::to_string(i));
  }
  std::string m;
  EXPECT_EQ(Read(q, &m), DW_E_TIMEOUT);
  EXPECT_EQ(Read(q, &m, 20), DW_E_TIMEOUT);
}

TEST_F(Queues, ATryOnAnEmptyQueue_DoesNotWaitForAReaderHoldingTheLock) {
  // A poll looks at an empty inbox many times a second: those looks take no lock. Shown
  // here by a reader that holds the lock (as one in the middle of a long copy would).
  uint32_t q = Open("polled", 8);
  L::QueueEntry& entry = region_->At<L::QueueEntry>(region_->header()->queues_offset)[q];
  ASSERT_EQ(LockRobust(&entry.read_mutex), LockResult::kAcquired);
  std::atomic<int> result{-1};
  std::thread poller([&] {
    std::string m;
    result = Read(q, &m);
  });
  for (int i = 0; i < 5000 && result.load() == -1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int seen = result.load();
  UnlockRobust(&entry.read_mutex);
  poller.join();
  EXPECT_EQ(seen, DW_E_TIMEOUT) << "the try waited for the lock";
}

TEST_F(Queues, ReadingMany_TakesThemInOrder_SpilledAndEmptyOnesToo_AndFreesTheCells) {
  uint32_t q = Open("batch", 8, 16);
  const std::string big(1000, 'x');  // spills: the slot holds 16 bytes
  for (const std::string& m : {std::string("a"), std::string(), big, std::string("last")})
    ASSERT_EQ(Write(q, m), DW_OK);
  const uint64_t used_before = ReadHeapStatistics(*region_).used_bytes;
  std::vector<std::string> got;
  ASSERT_EQ(ReadMany(q, &got), DW_OK) << LastError();
  EXPECT_EQ(got, (std::vector<std::string>{"a", "", big, "last"}));
  EXPECT_EQ(Count(q), 0u);
  EXPECT_LT(ReadHeapStatistics(*region_).used_bytes, used_before) << "the spill block was not freed";
  EXPECT_EQ(ReadMany(q, &got), DW_E_TIMEOUT);
  for (int i = 0; i < 8; ++i) ASSERT_EQ(Write(q, "m" + std::to_string(i)), DW_OK) << "the cells were not freed";
}

TEST_F(Queues, ReadingMany_StopsAtTheCount_AndBeforeAMessageThatDoesNotFit) {
  uint32_t q = Open("batch", 8, 64);
  for (const char* m : {"one", "two", "three", "a longer fourth message"}) ASSERT_EQ(Write(q, m), DW_OK);
  std::vector<std::string> got;
  ASSERT_EQ(ReadMany(q, &got, 1 << 20, 1), DW_OK);
  EXPECT_EQ(got, (std::vector<std::string>{"one"}));
  uint32_t used = 0;
  ASSERT_EQ(ReadMany(q, &got, 4 + 3 + 4 + 5 + 4, 64, &used), DW_OK);  // room for "two", "three" and a length
  EXPECT_EQ(got, (std::vector<std::string>{"two", "three"}));
  EXPECT_EQ(used, 4u + 3 + 4 + 5);
  ASSERT_EQ(ReadMany(q, &got, 10, 64, &used), DW_E_BUFFER_TOO_SMALL);
  EXPECT_EQ(used, 4u + 23) << "the capacity the first message needs";
  ASSERT_EQ(ReadMany(q, &got), DW_OK);
  EXPECT_EQ(got, (std::vector<std::string>{"a longer fourth message"}));
}

TEST_F(Queues, ReadingMany_FromACompletedEmptyQueue_IsClosed) {
  uint32_t q = Open("batch", 4);
  ASSERT_EQ(Write(q, "left"), DW_OK);
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  std::vector<std::string> got;
  ASSERT_EQ(ReadMany(q, &got), DW_OK);
  EXPECT_EQ(got, (std::vector<std::string>{"left"}));
  EXPECT_EQ(ReadMany(q, &got), DW_E_CLOSED);
}

TEST_F(Queues, AReaderKilledMidBatch_LeavesTheRestForTheNextReader) {
  DW_REQUIRE_ROBUST_LISTS();
  // Killed after taking the second message (its cell freed, the head not moved yet): the
  // two it took went with it; the next reader repairs the head and gets the others.
  uint32_t q = Open("batch", 8);
  for (const char* m : {"first", "second", "third", "fourth"}) ASSERT_EQ(Write(q, m), DW_OK);
  ASSERT_TRUE(testing::RunAndKillAt(
      *region_, 1, "queue.dequeue.freed",
      [&] {
        std::vector<std::string> got;
        ReadMany(q, &got);
      },
      /*hit=*/2));
  std::vector<std::string> got;
  ASSERT_EQ(ReadMany(q, &got), DW_OK) << LastError();
  EXPECT_EQ(got, (std::vector<std::string>{"third", "fourth"}));
}

TEST_F(Queues, ReadingMany_NeedsRoomForALength_AndSaysWhyNot) {
  uint32_t q = Open("batch", 4);
  ASSERT_EQ(Write(q, "m"), DW_OK);
  uint32_t count = 7, used = 7;
  uint8_t tiny[3];
  EXPECT_EQ(DequeueMany(*region_, q, tiny, sizeof tiny, 8, &count, &used), DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(DequeueMany(*region_, q, tiny, sizeof tiny, 0, &count, &used), DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(used, 0u);
  std::vector<std::string> got;
  ASSERT_EQ(ReadMany(q, &got), DW_OK);
  EXPECT_EQ(got, (std::vector<std::string>{"m"}));
}

TEST_F(Queues, ACompletedQueue_WhoseWriterDiedAfterCommitting_ReadsAsClosedOnceDrained) {
  DW_REQUIRE_ROBUST_LISTS();
  // The dead writer's tail was never moved; a reader took its message; then the queue was
  // completed, so no writer takes the write lock to repair the tail. Readers must still
  // see the end (not spin on a tail that trails the head).
  uint32_t q = Open("q", 4);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.enqueue.committed", [&] { Write(q, "committed"); }));
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK);
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  std::atomic<int> single{-1}, many{-1};
  std::thread reader([&] {  // detached below if it hangs: the bound is this test's, not ctest's
    std::string s;
    single = Read(q, &s);
    std::vector<std::string> got;
    many = ReadMany(q, &got);
  });
  for (int i = 0; i < 5000 && many.load() == -1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (many.load() == -1) {
    reader.detach();
    FAIL() << "a read of the completed queue did not return";
  }
  reader.join();
  EXPECT_EQ(single.load(), DW_E_CLOSED);
  EXPECT_EQ(many.load(), DW_E_CLOSED);
}

TEST_F(Queues, OpeningAgain_FindsTheSameQueue_AndAnotherShapeConflicts) {
  uint32_t a = Open("jobs", 5, 50);  // rounded to 8 cells of 64 bytes
  uint32_t b = Open("jobs", 8, 64);
  EXPECT_EQ(a, b);
  uint32_t c = 0;
  uint64_t existing = 0;
  EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>("jobs"), 4, 16, 64, kTag, &c, &existing),
            DW_E_CONFLICT);
  EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>("x"), 1, 0, 64, kTag, &c, &existing),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>("x"), 1, 8, 0, kTag, &c, &existing),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>(""), 0, 8, 64, kTag, &c, &existing),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(Write(L::kQueueCapacity + 1, "x"), DW_E_INVALID_ARGUMENT);
}

TEST_F(Queues, OpeningWithAnotherTypeIdentity_IsAMismatch_ThatNamesTheQueuesOwn) {
  const uint32_t created = Open("typed", 8, 64);
  uint32_t index = UINT32_MAX;
  uint64_t existing = 0;
  EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>("typed"), 5, 8, 64, kTag + 1, &index, &existing),
            DW_E_TYPE_MISMATCH);
  EXPECT_EQ(existing, kTag);
  EXPECT_EQ(index, UINT32_MAX) << "no index for a mismatch";
  EXPECT_NE(std::string(LastError()).find("typed"), std::string::npos) << LastError();
  EXPECT_EQ(OpenQueue(*region_, reinterpret_cast<const uint8_t*>("typed"), 5, 8, 64, kTag, &index, &existing), DW_OK);
  EXPECT_EQ(index, created);
}

// Packed records as dw_queue_write_many takes them: a u32 length, then the bytes.
std::vector<uint8_t> Records(const std::vector<std::string>& messages) {
  std::vector<uint8_t> records;
  for (const std::string& m : messages) {
    const uint32_t n = static_cast<uint32_t>(m.size());
    records.insert(records.end(), reinterpret_cast<const uint8_t*>(&n), reinterpret_cast<const uint8_t*>(&n) + 4);
    records.insert(records.end(), m.begin(), m.end());
  }
  return records;
}

TEST_F(Queues, WriteMany_WritesWhatFits_InOrder_AndStopsBeforeAMessageTooBigToGoInline) {
  uint32_t q = Open("q", 4, 16);
  std::vector<uint8_t> records = Records({"a", "bb", std::string(40, 'x'), "d"});
  uint32_t written = 0;
  ASSERT_EQ(EnqueueMany(*region_, q, records.data(), static_cast<uint32_t>(records.size()), 4, &written), DW_OK);
  EXPECT_EQ(written, 2u) << "the third is bigger than the 16-byte slot: it goes alone";
  std::vector<uint8_t> big_first = Records({std::string(40, 'x'), "y"});
  EXPECT_EQ(EnqueueMany(*region_, q, big_first.data(), static_cast<uint32_t>(big_first.size()), 2, &written), DW_OK)
      << "a first message too big to go inline is not \"full\"";
  EXPECT_EQ(written, 0u);
  records = Records({"c", "d", "e"});
  ASSERT_EQ(EnqueueMany(*region_, q, records.data(), static_cast<uint32_t>(records.size()), 3, &written), DW_OK);
  EXPECT_EQ(written, 2u) << "4 cells: full after two more";
  EXPECT_EQ(EnqueueMany(*region_, q, records.data(), static_cast<uint32_t>(records.size()), 3, &written), DW_E_TIMEOUT);
  EXPECT_EQ(written, 0u);
  std::string m;
  for (const char* expected : {"a", "bb", "c", "d"}) {
    ASSERT_EQ(Read(q, &m), DW_OK);
    EXPECT_EQ(m, expected);
  }
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  EXPECT_EQ(EnqueueMany(*region_, q, records.data(), static_cast<uint32_t>(records.size()), 3, &written), DW_E_CLOSED);
}

TEST_F(Queues, WriteMany_RefusesRecordsThatRunPastTheirBuffer) {
  uint32_t q = Open("q", 4, 16);
  std::vector<uint8_t> records = Records({"abc"});
  uint32_t written = 0;
  EXPECT_EQ(EnqueueMany(*region_, q, records.data(), 5, 1, &written), DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(EnqueueMany(*region_, q, records.data(), static_cast<uint32_t>(records.size()), 2, &written),
            DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(written, 1u) << "what came before the bad record is written";
}

TEST_F(Queues, AWriterKilledInsideWriteMany_BetweenACommitAndItsTail_IsSteppedOver) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t q = Open("q", 8, 16);
  std::vector<uint8_t> records = Records({"one", "two", "three"});
  ASSERT_TRUE(testing::RunAndKillAt(
      *region_, 1, "queue.enqueue_many.committed",
      [&] {
        uint32_t written = 0;
        EnqueueMany(*region_, q, records.data(), static_cast<uint32_t>(records.size()), 3, &written);
      },
      2));
  ASSERT_EQ(Write(q, "after"), DW_OK) << LastError();
  std::string m;
  for (const char* expected : {"one", "two", "after"}) {
    ASSERT_EQ(Read(q, &m), DW_OK);
    EXPECT_EQ(m, expected);
  }
  EXPECT_EQ(Read(q, &m), DW_E_TIMEOUT);
}

TEST_F(Queues, AWriterKilledBetweenCommitAndTail_OnAFullQueue_StillReadsAsMayHaveRoom) {
  DW_REQUIRE_ROBUST_LISTS();
  // A stale tail (a committed cell past it) must not read as full for ever: an async
  // writer would never try the write that repairs it.
  uint32_t q = Open("q", 2);
  ASSERT_EQ(Write(q, "a"), DW_OK);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.enqueue.committed", [&] { Write(q, "b"); }));
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_TRUE(QueueMayHaveRoom(*region_, q)) << "a write takes the lock and repairs the tail";
  ASSERT_EQ(Write(q, "c"), DW_OK) << LastError();
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, "b");
}

TEST_F(Queues, TheFirstCompletion_Wins_AndItsErrorIsWhatEveryReaderSees) {
  uint32_t q = Open("q", 4);
  ASSERT_EQ(Write(q, "left"), DW_OK);
  bool first = false;
  const std::string error = "System.InvalidOperationException: upstream failed";
  ASSERT_EQ(CompleteQueue(*region_, q, reinterpret_cast<const uint8_t*>(error.data()),
                          static_cast<uint32_t>(error.size()), &first),
            DW_OK);
  EXPECT_TRUE(first);
  ASSERT_EQ(CompleteQueue(*region_, q, reinterpret_cast<const uint8_t*>("late"), 4, &first), DW_OK);
  EXPECT_FALSE(first) << "already completed";
  uint8_t buffer[128];
  uint32_t length = 0;
  ASSERT_EQ(QueueCompletionError(*region_, q, buffer, sizeof buffer, &length), DW_OK);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), length), error);
  EXPECT_EQ(QueueCompletionError(*region_, q, buffer, 3, &length), DW_E_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, error.size());
  EXPECT_EQ(Write(q, "more"), DW_E_CLOSED);
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK) << "what was written before is still read";
  uint32_t plain = Open("plain", 4);
  ASSERT_EQ(CompleteQueue(*region_, plain), DW_OK);
  EXPECT_EQ(QueueCompletionError(*region_, plain, buffer, sizeof buffer, &length), DW_E_NOT_FOUND);
}

TEST_F(Queues, AFullQueue_RefusesOrWaits_UntilAReaderMakesRoom) {
  uint32_t q = Open("small", 2);
  ASSERT_EQ(Write(q, "a"), DW_OK);
  ASSERT_EQ(Write(q, "b"), DW_OK);
  EXPECT_EQ(Write(q, "c"), DW_E_TIMEOUT);
  EXPECT_EQ(Write(q, "c", 20), DW_E_TIMEOUT);
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    std::string m;
    EXPECT_EQ(Read(q, &m), DW_OK);
  });
  EXPECT_EQ(Write(q, "c", 10'000), DW_OK);  // bounded: 10 s
  reader.join();
  EXPECT_EQ(Count(q), 2u);
}

TEST_F(Queues, AQueueOfOne_HasTwoCells_SoACommittedCellNeverLooksFree) {
  uint32_t q = Open("one", 1);
  ASSERT_EQ(Write(q, "a"), DW_OK);
  ASSERT_EQ(Write(q, "b"), DW_OK);
  EXPECT_EQ(Write(q, "c"), DW_E_TIMEOUT);
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, "a");
}

TEST_F(Queues, AnEmptyQueue_WakesAWaitingReader) {
  uint32_t q = Open("q", 4);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // past the reader's spin
    EXPECT_EQ(Write(q, "late"), DW_OK);
  });
  std::string m;
  EXPECT_EQ(Read(q, &m, 10'000), DW_OK);
  EXPECT_EQ(m, "late");
  writer.join();
}

TEST_F(Queues, LargeMessages_SpillToTheHeap_AndTheBlockIsFreedOnRead) {
  uint32_t q = Open("big", 4, 32);
  std::string big(200'000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(Write(q, big), DW_OK);
  ASSERT_EQ(Write(q, "small"), DW_OK);
  std::string m;
  std::vector<uint8_t> tiny(10);
  uint32_t length = 0;
  EXPECT_EQ(Dequeue(*region_, q, tiny.data(), 10, &length, 0), DW_E_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, big.size());  // and the message is still first
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, big);
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, "small");
  // The spilled block went back: the heap holds as much as before, many times over.
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(Write(q, big), DW_OK);
    ASSERT_EQ(Read(q, &m), DW_OK);
  }
}

TEST_F(Queues, Completing_ClosesWriters_AndReadersOnceDrained) {
  uint32_t q = Open("q", 4);
  ASSERT_EQ(Write(q, "last"), DW_OK);
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  EXPECT_EQ(Write(q, "more"), DW_E_CLOSED);
  std::string m;
  EXPECT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, "last");
  EXPECT_EQ(Read(q, &m, 10'000), DW_E_CLOSED);
}

TEST_F(Queues, Completing_WakesABlockedReader) {
  uint32_t q = Open("q", 4);
  std::thread completer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CompleteQueue(*region_, q);
  });
  std::string m;
  EXPECT_EQ(Read(q, &m, 10'000), DW_E_CLOSED);
  completer.join();
}

TEST_F(Queues, ManyWritersAndReaders_AcrossProcesses_LoseAndDuplicateNothing_AndKeepEachWritersOrder) {
  uint32_t q = Open("mpmc", 16, 16);
  uint32_t results = Open("results", 8192, 16);
  constexpr int kWriters = 2, kReaders = 2, kPerWriter = 3000;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t c = fork();
    if (c == 0) {
      region_->set_self(1 + w);
      for (uint32_t i = 0; i < kPerWriter; ++i) {
        uint32_t message[2] = {static_cast<uint32_t>(w), i};
        if (Enqueue(*region_, q, reinterpret_cast<uint8_t*>(message), 8, 10'000) != DW_OK) _exit(1);
      }
      _exit(0);
    }
    children.push_back(c);
  }
  for (int r = 0; r < kReaders; ++r) {
    pid_t c = fork();
    if (c == 0) {
      region_->set_self(3 + r);
      uint32_t last[kWriters] = {UINT32_MAX, UINT32_MAX};
      for (;;) {
        uint32_t message[2];
        uint32_t length = 0;
        dw_status s = Dequeue(*region_, q, reinterpret_cast<uint8_t*>(message), 8, &length, 10'000);
        if (s == DW_E_CLOSED) _exit(0);
        if (s != DW_OK || length != 8 || message[0] >= kWriters) _exit(1);
        // Per writer, one reader sees increasing numbers.
        if (last[message[0]] != UINT32_MAX && message[1] <= last[message[0]]) _exit(2);
        last[message[0]] = message[1];
        if (Enqueue(*region_, results, reinterpret_cast<uint8_t*>(message), 8, 10'000) != DW_OK) _exit(1);
      }
    }
    children.push_back(c);
  }
  for (int w = 0; w < kWriters; ++w) {
    int status = 0;
    waitpid(children[w], &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  for (int r = 0; r < kReaders; ++r) {
    int status = 0;
    waitpid(children[kWriters + r], &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "reader exit " << WEXITSTATUS(status);
  }
  std::vector<int> seen(kWriters * kPerWriter, 0);
  uint32_t message[2];
  uint32_t length = 0;
  while (Dequeue(*region_, results, reinterpret_cast<uint8_t*>(message), 8, &length, 0) == DW_OK) {
    seen[message[0] * kPerWriter + message[1]]++;
  }
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "message " << i;
}

TEST_F(Queues, AWriterKilledBeforeCommitting_LeavesNothing_AndTheNextWriterGoesOn) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t q = Open("q", 4);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.enqueue.written", [&] { Write(q, "lost"); }));
  EXPECT_EQ(Count(q), 0u);
  ASSERT_EQ(Write(q, "next", 1000), DW_OK);
  std::string m;
  ASSERT_EQ(Read(q, &m, 1000), DW_OK);
  EXPECT_EQ(m, "next");
}

TEST_F(Queues, AWriterKilledAfterCommitting_DeliversItsMessage) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t q = Open("q", 4);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.enqueue.committed", [&] { Write(q, "kept"); }));
  ASSERT_EQ(Write(q, "next", 1000), DW_OK);
  std::string m;
  ASSERT_EQ(Read(q, &m, 1000), DW_OK);
  EXPECT_EQ(m, "kept");
  ASSERT_EQ(Read(q, &m, 1000), DW_OK);
  EXPECT_EQ(m, "next");
}

TEST_F(Queues, AReaderKilledMidRead_LeavesTheMessageForTheNextReader) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t q = Open("q", 4);
  ASSERT_EQ(Write(q, "again"), DW_OK);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.dequeue.copied", [&] {
    std::string m;
    Read(q, &m);
  }));
  std::string m;
  ASSERT_EQ(Read(q, &m, 1000), DW_OK);
  EXPECT_EQ(m, "again");
  EXPECT_EQ(Read(q, &m), DW_E_TIMEOUT);
}

TEST_F(Queues, AReaderKilledAfterFreeingItsCell_DoesNotHideTheNextMessageFromTries) {
  DW_REQUIRE_ROBUST_LISTS();
  // The dead reader freed its cell but did not move the head: the cell at the head is
  // neither empty for this lap nor a message. A try must take the lock (whose next owner
  // moves the head past it), not report the queue empty forever.
  uint32_t q = Open("q", 4);
  ASSERT_EQ(Write(q, "taken"), DW_OK);
  ASSERT_EQ(Write(q, "next"), DW_OK);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.dequeue.freed", [&] {
    std::string m;
    Read(q, &m);
  }));
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK) << LastError();
  EXPECT_EQ(m, "next");
  EXPECT_EQ(Read(q, &m), DW_E_TIMEOUT);
}

TEST_F(Queues, AReaderKilledAfterFreeingItsCell_IsRepaired_EvenAfterWritersFilledTheCellAgain) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t q = Open("q", 4);
  ASSERT_EQ(Write(q, "taken"), DW_OK);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.dequeue.freed", [&] {
    std::string m;
    Read(q, &m);
  }));
  // Writers do not wait for the head: they go round and write into the freed cell.
  for (const char* m : {"w1", "w2", "w3", "w4"}) ASSERT_EQ(Write(q, m), DW_OK) << m;
  std::vector<std::string> got;
  for (std::string m; Read(q, &m) == DW_OK;) got.push_back(m);
  EXPECT_EQ(got, (std::vector<std::string>{"w1", "w2", "w3", "w4"}));
}

TEST_F(Queues, AWriterKilledAfterCommitting_IsRepaired_EvenAfterReadersTookItsMessage) {
  DW_REQUIRE_ROBUST_LISTS();
  uint32_t q = Open("q", 4);
  ASSERT_TRUE(testing::RunAndKillAt(*region_, 1, "queue.enqueue.committed", [&] { Write(q, "committed"); }));
  // Readers do not wait for the tail: they take the committed message and free its cell.
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, "committed");
  ASSERT_EQ(Write(q, "next"), DW_OK) << LastError();
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(m, "next");
}

TEST_F(Queues, AWatchingProcess_HasItsDoorbellRung_ByWritesAndCompletion_UntilItDies) {
  uint32_t q = Open("q", 4);
  ASSERT_EQ(WatchQueue(*region_, q, 2, QueueWatch::kMessages, true), DW_OK);
  uint32_t before = ReadDoorbell(*region_, 2);
  ASSERT_EQ(Write(q, "x"), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 1);
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 2);
  UnwatchAllQueues(*region_, 2);
  uint32_t q2 = Open("q2", 4);
  ASSERT_EQ(Write(q2, "y"), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 2);
}

TEST_F(Queues, AProcessWatchingForRoom_HasItsDoorbellRung_ByReadsAndCompletion_NotByWrites) {
  uint32_t q = Open("q", 2);
  ASSERT_EQ(Write(q, "a"), DW_OK);
  ASSERT_EQ(Write(q, "b"), DW_OK);
  EXPECT_FALSE(QueueMayHaveRoom(*region_, q));
  ASSERT_EQ(WatchQueue(*region_, q, 2, QueueWatch::kRoom, true), DW_OK);
  const uint32_t before = ReadDoorbell(*region_, 2);
  std::string m;
  ASSERT_EQ(Read(q, &m), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 1) << "a freed cell rings the room watchers";
  EXPECT_TRUE(QueueMayHaveRoom(*region_, q));
  ASSERT_EQ(Write(q, "c"), DW_OK);
  EXPECT_FALSE(QueueMayHaveRoom(*region_, q)) << "full again";
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 1) << "a write does not ring for room";
  ASSERT_EQ(CompleteQueue(*region_, q), DW_OK);
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 2) << "completion too: waiting writers learn no room will come";
  EXPECT_TRUE(QueueMayHaveRoom(*region_, q)) << "completed: the write reports it";
  UnwatchAllQueues(*region_, 2);  // process 2 died
  ASSERT_EQ(Read(q, &m), DW_OK);  // a completed queue still drains
  EXPECT_EQ(ReadDoorbell(*region_, 2), before + 2) << "a dead process is not rung";
}

TEST(Doorbells, ASleepingDispatcher_IsWokenByARingFromAnotherProcess) {
  std::unique_ptr<Region> region;
  ASSERT_EQ(Region::Create(32ull << 20, 2, 0, &region), DW_OK) << LastError();
  region->set_self(0);
  const uint32_t seen = ReadDoorbell(*region, 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    region->set_self(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    RingDoorbell(*region, 0);
    _exit(0);
  }
  const auto start = std::chrono::steady_clock::now();
  const uint32_t now = WaitForDoorbell(*region, 0, seen, 1000, 10'000'000'000);  // bounded: 10 s
  EXPECT_NE(now, seen);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  int status = 0;
  waitpid(child, &status, 0);
  // And without a ring, the wait ends at its timeout.
  EXPECT_EQ(WaitForDoorbell(*region, 0, now, 0, 20'000'000), now);
}

TEST(Doorbells, WhileAThreadPolls_RingsSkipTheKernel_ButForcedRingsDoNot) {
  std::unique_ptr<Region> region;
  ASSERT_EQ(Region::Create(32ull << 20, 2, 0, &region), DW_OK) << LastError();
  region->set_self(0);
  AddPolling(*region, 0, +1);
  const uint32_t seen = ReadDoorbell(*region, 0);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    WaitForDoorbell(*region, 0, seen, 0, 2'000'000'000);  // bounded: 2 s
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  RingDoorbell(*region, 0);  // counted, but nobody is woken: the poller will see the message
  EXPECT_EQ(ReadDoorbell(*region, 0), seen + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(woke.load());
  RingDoorbell(*region, 0, /*force=*/true);
  sleeper.join();
  EXPECT_TRUE(woke.load());
  AddPolling(*region, 0, -1);
}

}  // namespace
}  // namespace dw
