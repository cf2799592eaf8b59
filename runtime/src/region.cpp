#include "region.h"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "heap.h"
#include "last_error.h"
#include "process_table.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

// msync fails with ENOMEM on an address that is not mapped: a check that never faults.
bool IsMapped(const void* address, uint64_t length) noexcept {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = reinterpret_cast<uintptr_t>(address) & ~(page - 1);
  const uintptr_t last = (reinterpret_cast<uintptr_t>(address) + length - 1) & ~(page - 1);
  return msync(reinterpret_cast<void*>(first), page, MS_ASYNC) == 0 &&
         msync(reinterpret_cast<void*>(last), page, MS_ASYNC) == 0;
}

}  // namespace

dw_status Region::Create(uint64_t size, uint32_t worker_count, uint32_t flags, std::unique_ptr<Region>* out) noexcept {
  if (out == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "out_region is null");
  if (size < L::kMinRegionSize) {
    return Fail(DW_E_INVALID_ARGUMENT, "region size %" PRIu64 " is below the minimum of %" PRIu64, size,
                L::kMinRegionSize);
  }
  if (worker_count >= L::kProcessCapacity) {
    return Fail(DW_E_INVALID_ARGUMENT, "%" PRIu32 " workers exceed the process table (%" PRIu32 ")", worker_count,
                L::kProcessCapacity - 1);
  }
  // MFD_CLOEXEC: a program the app starts must not inherit (and keep alive) the region.
  // --spawn children clear the flag on their own copy just before exec.
  // The name shows in /proc/<pid>/fd and maps; a cluster of one is told apart.
  int fd = memfd_create((flags & L::kFlagPrivate) ? "dotnet-workers-standalone" : "dotnet-workers", MFD_CLOEXEC);
  if (fd < 0) return FailErrno(DW_E_REGION_UNAVAILABLE, "memfd_create failed");
  // memfds start as 0777; the only way in is /proc/<pid>/fd (same user or root), and the
  // mode says so too.
  fchmod(fd, 0600);
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    dw_status s = FailErrno(DW_E_REGION_UNAVAILABLE, "cannot size the region to %" PRIu64 " bytes", size);
    close(fd);
    return s;
  }
  void* base =
      mmap(reinterpret_cast<void*>(kPreferredAddress), size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) {
    dw_status s = FailErrno(DW_E_REGION_UNAVAILABLE, "cannot reserve %" PRIu64 " bytes of address space", size);
    close(fd);
    return s;
  }

  // The memfd is zero-filled: only the non-zero fields are written. Nobody else can see
  // the region yet (no process has been forked), so plain stores suffice.
  auto* h = static_cast<L::RegionHeader*>(base);
  h->layout_version = L::kLayoutVersion;
  h->format_word = L::FormatWord();
  h->region_size = size;
  h->base_address = reinterpret_cast<uint64_t>(base);
  h->launcher_pid = (flags & L::kFlagPrivate) ? 0 : static_cast<uint32_t>(getpid());
  h->process_capacity = L::kProcessCapacity;
  h->worker_count = worker_count;
  h->flags = flags;
  h->process_table_offset = L::kProcessTableOffset;
  h->created_unix_ns = RealtimeNs();
  for (uint32_t id = 0; id < L::kProcessCapacity; ++id) {
    reinterpret_cast<L::ProcessEntry*>(static_cast<char*>(base) + L::kProcessTableOffset + id * L::kProcessEntrySize)
        ->id = id;
  }
  const L::Sections sections = L::ComputeSections(size);
  h->holdings_offset = sections.holdings_offset;
  h->heap_control_offset = sections.heap_control_offset;
  h->objects_control_offset = sections.objects_control_offset;
  h->stripes_offset = sections.stripes_offset;
  h->buffers_offset = sections.buffers_offset;
  h->locks_offset = sections.locks_offset;
  h->queues_offset = sections.queues_offset;
  h->doorbells_offset = sections.doorbells_offset;
  h->services_offset = sections.services_offset;
  h->type_names_offset = sections.type_names_offset;
  h->buckets_offset = sections.buckets_offset;
  h->bucket_bitmap_offset = sections.bucket_bitmap_offset;
  h->bucket_count = sections.bucket_count;
  h->heap_offset = sections.heap_offset;
  h->heap_end = sections.heap_end;
  if (getrandom(&h->hash_seed, sizeof h->hash_seed, 0) != sizeof h->hash_seed) h->hash_seed = RealtimeNs() ^ getpid();
  if (flags & L::kFlagPrivate) {
    // A cluster of one: the creating process is the primary, already running.
    L::ProcessEntry* primary = reinterpret_cast<L::ProcessEntry*>(static_cast<char*>(base) + L::kProcessTableOffset);
    ProcessStarting(primary, "primary");
    ProcessReady(primary, static_cast<uint32_t>(getpid()));
  }
  h->magic = L::kMagic;  // last: a header with a magic is complete

  out->reset(new (std::nothrow) Region(base, size, fd, true));
  if (!*out) {
    munmap(base, size);
    close(fd);
    return Fail(DW_E_SYSTEM, "out of process memory");
  }
  if (!(*out)->InitializeLocks()) {
    out->reset();
    return Fail(DW_E_SYSTEM, "cannot initialize the region's process-shared robust mutexes");
  }
  if (flags & L::kFlagPrivate) (*out)->set_self(0);  // a cluster of one: its creator is process 0
  return DW_OK;
}

bool Region::InitializeLocks() noexcept {
  if (!InitializeHeap(*this)) return false;
  auto* objects = At<L::ObjectsControl>(header()->objects_control_offset);
  if (!InitRobustMutex(&objects->buffers_mutex) || !InitRobustMutex(&objects->locks_mutex) ||
      !InitRobustMutex(&objects->queues_mutex) || !InitRobustMutex(&objects->services_mutex)) {
    return false;
  }
  auto* stripes = At<L::Stripe>(header()->stripes_offset);
  for (uint32_t i = 0; i < L::kStripeCount; ++i) {
    if (!InitRobustMutex(&stripes[i].mutex)) return false;
  }
  auto* locks = At<L::LockEntry>(header()->locks_offset);
  for (uint32_t i = 0; i < L::kLockCapacity; ++i) {
    if (!InitRobustMutex(&locks[i].mutex)) return false;
  }
  auto* queues = At<L::QueueEntry>(header()->queues_offset);
  for (uint32_t i = 0; i < L::kQueueCapacity; ++i) {
    if (!InitRobustMutex(&queues[i].write_mutex) || !InitRobustMutex(&queues[i].read_mutex)) return false;
  }
  return true;
}

dw_status Region::Corrupt(const char* what) noexcept {
  if (read_only_) return Fail(DW_E_CORRUPT, "the shared region is damaged (%s)", what);  // a reader: no store
  header()->corrupt.store(1, std::memory_order_release);
  return Fail(DW_E_CORRUPT, "the shared region is damaged (%s); it is marked corrupt and refuses further use", what);
}

dw_status Region::CheckHeader(const void* base, uint64_t size) noexcept {
  if (base == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "region base is null");
  if (size < L::kMinRegionSize) {
    return Fail(DW_E_SIZE_MISMATCH, "region size %" PRIu64 " is below the minimum of %" PRIu64, size,
                L::kMinRegionSize);
  }
  const auto* h = static_cast<const L::RegionHeader*>(base);
  if (h->magic != L::kMagic) {
    return Fail(DW_E_BAD_MAGIC, "the memory at %p is not a dotnet-workers region (magic 0x%016" PRIx64 ")", base,
                h->magic);
  }
  if (h->layout_version != L::kLayoutVersion) {
    return Fail(DW_E_LAYOUT_VERSION,
                "the region has layout version %" PRIu32 " but this library reads version %" PRIu32
                ": the launcher and the app's DotnetWorkers library come from different releases",
                h->layout_version, L::kLayoutVersion);
  }
  if (h->format_word != L::FormatWord()) {
    return Fail(DW_E_FORMAT_WORD,
                "the region's format word 0x%08" PRIx32 " differs from this library's 0x%08" PRIx32
                ": the launcher and the library were built with different layouts",
                h->format_word, L::FormatWord());
  }
  if (h->region_size != size) {
    return Fail(DW_E_SIZE_MISMATCH, "the region header says %" PRIu64 " bytes, expected %" PRIu64, h->region_size,
                size);
  }
  if (h->process_table_offset != L::kProcessTableOffset || h->process_capacity != L::kProcessCapacity) {
    return Fail(DW_E_FORMAT_WORD, "the region's process table is not where this library expects it");
  }
  const L::Sections s = L::ComputeSections(size);
  if (h->holdings_offset != s.holdings_offset || h->heap_control_offset != s.heap_control_offset ||
      h->objects_control_offset != s.objects_control_offset || h->stripes_offset != s.stripes_offset ||
      h->buffers_offset != s.buffers_offset || h->locks_offset != s.locks_offset ||
      h->queues_offset != s.queues_offset || h->doorbells_offset != s.doorbells_offset ||
      h->services_offset != s.services_offset || h->type_names_offset != s.type_names_offset ||
      h->buckets_offset != s.buckets_offset || h->bucket_bitmap_offset != s.bucket_bitmap_offset ||
      h->bucket_count != s.bucket_count || h->heap_offset != s.heap_offset || h->heap_end != s.heap_end) {
    return Fail(DW_E_FORMAT_WORD, "the region's sections are not where this library expects them");
  }
  return DW_OK;
}

dw_status Region::Attach(const RegionDescriptor& d, uint32_t self_pid, std::unique_ptr<Region>* out) noexcept {
  if (out == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "out_region is null");
  if (d.pid != self_pid) {
    return Fail(DW_E_NOT_THIS_PROCESS,
                "the region descriptor was written for process %" PRIu32 ", not this one (%" PRIu32
                "): this process was started by a cluster process, not by the launcher",
                d.pid, self_pid);
  }
  void* base = reinterpret_cast<void*>(d.address);
  if (!IsMapped(base, d.size)) {
    // A NativeAOT app exec'd by the launcher inherits the region's fd (a memory file of the
    // region's size), not its mapping.
    struct stat st {};
    if (d.fd >= 0 && fstat(d.fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) >= d.size) {
      return MapDescriptor(d, out);
    }
    return Fail(DW_E_NOT_MAPPED, "the region at 0x%" PRIx64 " (%" PRIu64 " bytes) is not mapped in this process",
                d.address, d.size);
  }
  dw_status s = CheckHeader(base, d.size);
  if (s != DW_OK) return s;
  if (static_cast<const L::RegionHeader*>(base)->base_address != d.address) {
    return Fail(DW_E_BAD_DESCRIPTOR, "the region was created at 0x%" PRIx64 " but is described at 0x%" PRIx64,
                static_cast<const L::RegionHeader*>(base)->base_address, d.address);
  }
  out->reset(new (std::nothrow) Region(base, d.size, d.fd, false));
  return *out ? DW_OK : Fail(DW_E_SYSTEM, "out of process memory");
}

dw_status Region::MapDescriptor(const RegionDescriptor& d, std::unique_ptr<Region>* out) noexcept {
  if (out == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "out_region is null");
  void* base = mmap(reinterpret_cast<void*>(d.address), d.size, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, d.fd, 0);
  if (base == MAP_FAILED) {
    return FailErrno(errno == EEXIST ? DW_E_ADDRESS_IN_USE : DW_E_REGION_UNAVAILABLE,
                     "cannot map the region at 0x%" PRIx64, d.address);
  }
  if (base != reinterpret_cast<void*>(d.address)) {  // kernels before 4.17 treat the flag as a hint
    munmap(base, d.size);
    return Fail(DW_E_ADDRESS_IN_USE, "the region's address 0x%" PRIx64 " is taken in this process", d.address);
  }
  // The runtime this process is about to boot must not pass the fd to programs it starts.
  fcntl(d.fd, F_SETFD, FD_CLOEXEC);
  dw_status s = CheckHeader(base, d.size);
  if (s != DW_OK) {
    munmap(base, d.size);
    return s;
  }
  out->reset(new (std::nothrow) Region(base, d.size, d.fd, false));
  return *out ? DW_OK : Fail(DW_E_SYSTEM, "out of process memory");
}

dw_status Region::OpenReadOnly(const char* path, std::unique_ptr<Region>* out) noexcept {
  if (out == nullptr || path == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FailErrno(DW_E_REGION_UNAVAILABLE, "cannot open %s", path);
  L::RegionHeader header{};
  if (pread(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) {
    close(fd);
    return Fail(DW_E_BAD_MAGIC, "%s is not a dotnet-workers region", path);
  }
  const uint64_t size = header.magic == L::kMagic ? header.region_size : L::kMinRegionSize;
  void* base = mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
  if (base == MAP_FAILED) {
    close(fd);
    return FailErrno(DW_E_REGION_UNAVAILABLE, "cannot map %s", path);
  }
  if (dw_status s = CheckHeader(base, size); s != DW_OK) {
    munmap(base, size);
    close(fd);
    return s;
  }
  out->reset(new (std::nothrow) Region(base, size, fd, /*owns_mapping=*/true));
  if (*out) {
    (*out)->read_only_ = true;
    return DW_OK;
  }
  munmap(base, size);
  close(fd);
  return Fail(DW_E_SYSTEM, "out of process memory");
}

Region::~Region() {
  if (owns_mapping_) {
    munmap(base_, size_);
    if (fd_ >= 0) close(fd_);
  }
}

L::ProcessEntry* Region::process(uint32_t id) const noexcept {
  return reinterpret_cast<L::ProcessEntry*>(static_cast<char*>(base_) + L::kProcessTableOffset +
                                            static_cast<uint64_t>(id) * L::kProcessEntrySize);
}

RegionDescriptor Region::Describe(uint32_t pid) const noexcept {
  RegionDescriptor d;
  d.pid = pid;
  d.fd = fd_;
  d.address = reinterpret_cast<uint64_t>(base_);
  d.size = size_;
  return d;
}

}  // namespace dw
