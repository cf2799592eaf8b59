#include "region.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstring>

#include "dotnet_workers/dw.h"
#include "last_error.h"

namespace dw {
namespace {

namespace L = layout;
constexpr uint64_t kSize = 32ull << 20;

std::unique_ptr<Region> MakeRegion(uint64_t size = kSize, uint32_t workers = 3) {
  std::unique_ptr<Region> region;
  EXPECT_EQ(Region::Create(size, workers, 0, &region), DW_OK) << LastError();
  return region;
}

TEST(Region, Create_WritesAValidHeader) {
  auto region = MakeRegion();
  const L::RegionHeader* h = region->header();
  EXPECT_EQ(h->magic, L::kMagic);
  EXPECT_EQ(h->layout_version, L::kLayoutVersion);
  EXPECT_EQ(h->format_word, L::FormatWord());
  EXPECT_EQ(h->region_size, kSize);
  EXPECT_EQ(h->base_address, reinterpret_cast<uint64_t>(region->base()));
  EXPECT_EQ(h->launcher_pid, static_cast<uint32_t>(getpid()));
  EXPECT_EQ(h->worker_count, 3u);
  EXPECT_EQ(h->process_capacity, L::kProcessCapacity);
  EXPECT_EQ(h->process_table_offset, L::kProcessTableOffset);
  EXPECT_EQ(h->shutdown_state.load(), L::kRunning);
  EXPECT_EQ(Region::CheckHeader(region->base(), kSize), DW_OK);
}

TEST(Region, Create_IsReachableOnlyByItsOwner) {
  auto region = MakeRegion();
  struct stat st {};
  ASSERT_EQ(fstat(region->fd(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, getuid());
}

TEST(Region, Create_NumbersEveryProcessEntry) {
  auto region = MakeRegion();
  for (uint32_t id : {0u, 1u, 500u, L::kProcessCapacity - 1}) {
    EXPECT_EQ(region->process(id)->id, id);
    EXPECT_EQ(region->process(id)->state.load(), L::kProcessFree);
  }
}

TEST(Region, Create_RejectsASizeBelowTheMinimum) {
  std::unique_ptr<Region> region;
  EXPECT_EQ(Region::Create(L::kMinRegionSize - 1, 1, 0, &region), DW_E_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(LastError(), "minimum"), nullptr);
}

TEST(Region, Create_RejectsMoreWorkersThanTheTable) {
  std::unique_ptr<Region> region;
  EXPECT_EQ(Region::Create(kSize, L::kProcessCapacity, 0, &region), DW_E_INVALID_ARGUMENT);
}

TEST(Region, Create_ReportsASizeTheAddressSpaceCannotHold) {
  std::unique_ptr<Region> region;
  EXPECT_EQ(Region::Create(1ull << 50, 1, 0, &region), DW_E_REGION_UNAVAILABLE);  // 1 PiB
  EXPECT_NE(std::strstr(LastError(), "cannot reserve"), nullptr) << LastError();
}

TEST(Region, Create_CostsNoMemoryUntilTouched) {
  const uint64_t size = 64ull << 30;  // 64 GiB of address space
  auto region = MakeRegion(size);
  struct stat st {};
  ASSERT_EQ(fstat(region->fd(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), size);
  const uint64_t allocated = static_cast<uint64_t>(st.st_blocks) * 512;
  EXPECT_LT(allocated, 2ull << 20) << "only the control structures (~1.2 MiB, mostly store stripes) are touched";

  std::memset(static_cast<char*>(region->base()) + (1ull << 30), 1, 16ull << 20);
  ASSERT_EQ(fstat(region->fd(), &st), 0);
  EXPECT_GE(static_cast<uint64_t>(st.st_blocks) * 512, allocated + (16ull << 20));
}

TEST(Region, CheckHeader_RejectsForeignMemory) {
  std::vector<char> memory(kSize);
  EXPECT_EQ(Region::CheckHeader(memory.data(), memory.size()), DW_E_BAD_MAGIC);
}

TEST(Region, CheckHeader_RejectsAnotherLayoutVersion) {
  auto region = MakeRegion();
  region->header()->layout_version = L::kLayoutVersion + 1;
  EXPECT_EQ(Region::CheckHeader(region->base(), kSize), DW_E_LAYOUT_VERSION);
  EXPECT_NE(std::strstr(LastError(), "different releases"), nullptr) << LastError();
}

TEST(Region, CheckHeader_RejectsAnotherFormatWord) {
  auto region = MakeRegion();
  region->header()->format_word ^= 1;
  EXPECT_EQ(Region::CheckHeader(region->base(), kSize), DW_E_FORMAT_WORD);
}

TEST(Region, CheckHeader_RejectsAWrongSize) {
  auto region = MakeRegion();
  EXPECT_EQ(Region::CheckHeader(region->base(), kSize * 2), DW_E_SIZE_MISMATCH);
}

TEST(Region, Attach_BindsInAForkedChild) {
  auto region = MakeRegion();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<Region> attached;
    dw_status s =
        Region::Attach(region->Describe(static_cast<uint32_t>(getpid())), static_cast<uint32_t>(getpid()), &attached);
    _exit(s == DW_OK && attached->base() == region->base() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Region, Attach_RefusesADescriptorWrittenForAnotherProcess) {
  auto region = MakeRegion();
  std::unique_ptr<Region> attached;
  EXPECT_EQ(Region::Attach(region->Describe(1), static_cast<uint32_t>(getpid()), &attached), DW_E_NOT_THIS_PROCESS);
}

TEST(Region, Attach_ReportsAnUnmappedAddress) {
  RegionDescriptor d;
  d.pid = static_cast<uint32_t>(getpid());
  d.fd = 99;
  d.address = 0x300000000000ull;
  d.size = kSize;
  std::unique_ptr<Region> attached;
  EXPECT_EQ(Region::Attach(d, d.pid, &attached), DW_E_NOT_MAPPED);
}

TEST(Region, Attach_MapsAnUnmappedRegionFromItsInheritedFd_AsAnExecdNativeAotAppFindsIt) {
  auto region = MakeRegion();
  // A NativeAOT app exec'd by the launcher has the region's fd but no mapping: an address
  // free in this process stands in for the creator's.
  RegionDescriptor d = region->Describe(static_cast<uint32_t>(getpid()));
  void* other = mmap(nullptr, kSize, PROT_READ, MAP_SHARED, region->fd(), 0);
  ASSERT_NE(other, MAP_FAILED);
  munmap(other, kSize);
  d.address = reinterpret_cast<uint64_t>(other);
  std::unique_ptr<Region> attached;
  ASSERT_EQ(Region::Attach(d, d.pid, &attached), DW_OK) << LastError();
  EXPECT_EQ(attached->base(), other);
  EXPECT_EQ(std::memcmp(attached->base(), region->base(), 4096), 0) << "the same memory";
  EXPECT_NE(fcntl(region->fd(), F_GETFD) & FD_CLOEXEC, 0) << "the fd is not passed on to programs it starts";
  munmap(attached->base(), kSize);
}

TEST(Region, MapDescriptor_MapsTheSameMemoryAtTheSameAddress) {
  auto region = MakeRegion();
  // Map it a second time elsewhere in this process, as a --spawn child maps it after exec.
  RegionDescriptor d = region->Describe(static_cast<uint32_t>(getpid()));
  void* other = mmap(nullptr, kSize, PROT_READ, MAP_SHARED, region->fd(), 0);
  ASSERT_NE(other, MAP_FAILED);
  munmap(other, kSize);
  d.address = reinterpret_cast<uint64_t>(other);  // now free again
  std::unique_ptr<Region> mapped;
  // The header records the creator's address, so the content check still passes.
  ASSERT_EQ(Region::MapDescriptor(d, &mapped), DW_OK) << LastError();
  EXPECT_EQ(mapped->base(), other);
  region->process(2)->pid.store(1234);
  EXPECT_EQ(mapped->process(2)->pid.load(), 1234u);
  munmap(mapped->base(), kSize);  // MapDescriptor's mapping is not owned
}

TEST(Region, MapDescriptor_RefusesAnOccupiedAddress) {
  auto region = MakeRegion();
  std::unique_ptr<Region> mapped;
  EXPECT_EQ(Region::MapDescriptor(region->Describe(1), &mapped), DW_E_ADDRESS_IN_USE);
}

TEST(RegionExports, CreateAndClose_ThroughTheCAbi) {
  dw_region* region = nullptr;
  ASSERT_EQ(dw_region_create(kSize, 2, DW_REGION_PRIVATE, &region), DW_OK);
  EXPECT_EQ(dw_region_size(region), kSize);
  EXPECT_EQ(dw_region_check(dw_region_base(region), kSize), DW_OK);
  auto* header = static_cast<L::RegionHeader*>(dw_region_base(region));
  EXPECT_EQ(header->launcher_pid, 0u);
  // A private region is a cluster of one: its creator is the running primary.
  auto* primary =
      reinterpret_cast<L::ProcessEntry*>(static_cast<char*>(dw_region_base(region)) + L::kProcessTableOffset);
  EXPECT_EQ(primary->state.load(), L::kProcessRunning);
  EXPECT_EQ(primary->pid.load(), static_cast<uint32_t>(getpid()));
  EXPECT_STREQ(primary->role, "primary");
  dw_region_close(region);
}

TEST(RegionExports, Attach_RejectsGarbage) {
  dw_region* region = reinterpret_cast<dw_region*>(1);
  EXPECT_EQ(dw_region_attach("nonsense", &region), DW_E_BAD_DESCRIPTOR);
  EXPECT_EQ(region, nullptr);
  EXPECT_NE(std::strstr(dw_last_error(), "nonsense"), nullptr);
  EXPECT_EQ(dw_region_attach(nullptr, &region), DW_E_INVALID_ARGUMENT);
  EXPECT_EQ(dw_region_create(kSize, 1, 0, nullptr), DW_E_INVALID_ARGUMENT);
}

TEST(RegionExports, LayoutValues_MatchTheHeader) {
  EXPECT_EQ(dw_layout_version(), L::kLayoutVersion);
  EXPECT_EQ(dw_format_word(), L::FormatWord());
  EXPECT_EQ(dw_layout_value(DW_LAYOUT_OFF_SHUTDOWN_STATE), 64u);
  EXPECT_EQ(dw_layout_value(DW_LAYOUT_OFF_ENTRY_ROLE), 32u);
  EXPECT_EQ(dw_layout_value(DW_LAYOUT_MAGIC), L::kMagic);
  EXPECT_EQ(dw_layout_value(-1), UINT64_MAX);
}

}  // namespace
}  // namespace dw
