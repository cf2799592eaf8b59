// A process's attachment to the shared region: creating it, mapping it, checking its header.
#pragma once

#include <cstdint>
#include <memory>

#include "dotnet_workers/dw_status.h"
#include "dotnet_workers/region_layout.h"
#include "region_descriptor.h"

namespace dw {

class Region {
 public:
  // Where the launcher asks the kernel to put the region: far from the executable, the
  // heap, the mmap area and the sanitizers' shadow memory, so a --spawn child (a fresh
  // exec of the launcher) finds the same range free. Only a hint for the creator.
  static constexpr uint64_t kPreferredAddress = 0x200000000000ull;

  // Creates a memfd of `size` bytes, maps it (MAP_SHARED | MAP_NORESERVE: only touched
  // pages cost memory) and writes the header and an empty process table.
  static dw_status Create(uint64_t size, uint32_t worker_count, uint32_t flags, std::unique_ptr<Region>* out) noexcept;

  // Binds to a region already mapped in this process (inherited across fork, or mapped
  // by MapDescriptor before exec'ing into the runtime).
  static dw_status Attach(const RegionDescriptor& descriptor, uint32_t self_pid, std::unique_ptr<Region>* out) noexcept;

  // --spawn children: maps the descriptor's fd at exactly the descriptor's address.
  static dw_status MapDescriptor(const RegionDescriptor& descriptor, std::unique_ptr<Region>* out) noexcept;

  // Maps the region in the file at `path` (the CLI: /proc/PID/fd/N of a launcher) read-only,
  // at any address, after checking its header. Only reading functions may be called on it.
  static dw_status OpenReadOnly(const char* path, std::unique_ptr<Region>* out) noexcept;

  // Checks magic, layout version, format word and size of a header at `base`.
  static dw_status CheckHeader(const void* base, uint64_t size) noexcept;

  ~Region();
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  void* base() const noexcept { return base_; }
  uint64_t size() const noexcept { return size_; }
  int fd() const noexcept { return fd_; }
  layout::RegionHeader* header() const noexcept { return static_cast<layout::RegionHeader*>(base_); }
  // The entry for process `id`; id must be below kProcessCapacity.
  layout::ProcessEntry* process(uint32_t id) const noexcept;

  // The object at region offset `offset` (no check: callers validate offsets that come
  // from shared memory with InHeap first).
  template <typename T>
  T* At(uint64_t offset) const noexcept {
    return reinterpret_cast<T*>(static_cast<char*>(base_) + offset);
  }

  // True if [offset, offset + length) lies inside the heap: every offset read from shared
  // memory is checked before use, so damage is reported, never followed.
  bool InHeap(uint64_t offset, uint64_t length) const noexcept {
    const layout::RegionHeader* h = header();
    return offset >= h->heap_offset && offset <= h->heap_end && length <= h->heap_end - offset;
  }

  // Marks the region corrupt for good (LMDB's sticky fatal flag) and returns DW_E_CORRUPT
  // with `what` as the message.
  dw_status Corrupt(const char* what) noexcept;

  // The DOTNET_WORKERS_REGION value for process `pid`.
  RegionDescriptor Describe(uint32_t pid) const noexcept;

  // The cluster process this attachment belongs to (set when it binds as process `id`;
  // kNoProcess for the launcher). Operations that record holdings need it.
  static constexpr uint32_t kNoProcess = UINT32_MAX;
  uint32_t self() const noexcept { return self_; }
  void set_self(uint32_t id) noexcept { self_ = id; }

  // Keeps the mapping when this object is destroyed: a launcher child that is about to
  // hand the region to the runtime must not unmap it on the way.
  void Release() noexcept {
    owns_mapping_ = false;
    fd_ = -1;
  }

 private:
  Region(void* base, uint64_t size, int fd, bool owns_mapping) noexcept
      : base_(base), size_(size), fd_(fd), owns_mapping_(owns_mapping) {}

  bool InitializeLocks() noexcept;

  void* base_;
  uint64_t size_;
  int fd_;
  bool owns_mapping_;
  bool read_only_ = false;  // OpenReadOnly: a damage found is reported, never marked
  uint32_t self_ = kNoProcess;
};

}  // namespace dw
