#include "type_names.h"

#include <algorithm>
#include <cstring>

#include "last_error.h"

namespace dw {
namespace L = layout;

namespace {

L::TypeNameEntry* Table(const Region& r) { return r.At<L::TypeNameEntry>(r.header()->type_names_offset); }

}  // namespace

dw_status RegisterTypeName(Region& r, uint64_t identity, const uint8_t* name, uint32_t length) noexcept {
  if (identity == 0 || (name == nullptr && length > 0)) return Fail(DW_E_INVALID_ARGUMENT, "a type identity is not 0");
  L::TypeNameEntry* table = Table(r);
  for (uint32_t probe = 0; probe < L::kTypeNameCapacity; ++probe) {
    L::TypeNameEntry& e = table[(identity + probe) % L::kTypeNameCapacity];
    uint64_t seen = e.identity.load(std::memory_order_acquire);
    if (seen == 0 && e.identity.compare_exchange_strong(seen, identity, std::memory_order_acq_rel)) {
      e.length = std::min(length, L::kMaxTypeNameLength);
      if (e.length > 0) std::memcpy(e.name, name, e.length);
      e.ready.store(1, std::memory_order_release);
      return DW_OK;
    }
    if (seen == identity) return DW_OK;  // registered (or being registered) by another process
  }
  return Fail(DW_E_CAPACITY, "the cluster already has %u type names", L::kTypeNameCapacity);
}

dw_status FindTypeName(const Region& r, uint64_t identity, uint8_t* buffer, uint32_t capacity,
                       uint32_t* length) noexcept {
  if (identity == 0) return FailQuietly(DW_E_NOT_FOUND, "identity 0 names no type");
  const L::TypeNameEntry* table = Table(r);
  for (uint32_t probe = 0; probe < L::kTypeNameCapacity; ++probe) {
    const L::TypeNameEntry& e = table[(identity + probe) % L::kTypeNameCapacity];
    const uint64_t seen = e.identity.load(std::memory_order_acquire);
    if (seen == 0) break;
    if (seen != identity) continue;
    if (e.ready.load(std::memory_order_acquire) == 0) break;
    *length = std::min(e.length, L::kMaxTypeNameLength);
    if (*length > capacity) return Fail(DW_E_BUFFER_TOO_SMALL, "the name is %u bytes", *length);
    if (*length > 0) std::memcpy(buffer, e.name, *length);
    return DW_OK;
  }
  return FailQuietly(DW_E_NOT_FOUND, "no name is recorded for that type identity");
}

}  // namespace dw
