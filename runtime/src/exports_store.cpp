// The C ABI of the shared state: the store and its claims, buffers, locks, type names.
#include "dotnet_workers/dw.h"

#include <cstring>

#include "buffers.h"
#include "exports_guard.h"
#include "hash.h"
#include "inspection.h"
#include "last_error.h"
#include "named_locks.h"
#include "store.h"
#include "type_names.h"

namespace L = dw::layout;
using dw::exports::Guard;
using dw::exports::Unwrap;
using dw::exports::Wrap;

extern "C" {

namespace {

dw_status Key(dw_region* region, const uint8_t* bytes, uint32_t length, dw::StoreKey* key) {
  return dw::MakeStoreKey(*Unwrap(region), bytes, length, key);
}

}  // namespace

dw_status dw_store_get(dw_region* region, const uint8_t* key, uint32_t key_length, uint8_t* buffer, uint32_t capacity,
                       uint32_t* out_length, uint64_t* out_version, uint64_t* out_type) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || out_version == nullptr || out_type == nullptr ||
        (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    return dw::StoreGet(*Unwrap(region), k, buffer, capacity, out_length, out_version, out_type);
  });
}

dw_status dw_store_try_get(dw_region* region, const uint8_t* key, uint32_t key_length, uint8_t* buffer,
                           uint32_t capacity, uint32_t* out_length, uint64_t* out_version, uint64_t* out_type) {
  // No Guard, no message: nothing here throws or fails loudly; every doubt is DW_E_TIMEOUT.
  if (region == nullptr || key == nullptr || key_length == 0 || key_length > L::kMaxKeyLength ||
      out_length == nullptr || out_version == nullptr || out_type == nullptr || (buffer == nullptr && capacity > 0)) {
    return DW_E_TIMEOUT;
  }
  const dw::StoreKey k{key, key_length, dw::HashBytes(key, key_length, Unwrap(region)->header()->hash_seed)};
  return dw::StoreTryGetOnce(*Unwrap(region), k, buffer, capacity, out_length, out_version, out_type);
}

dw_status dw_store_set(dw_region* region, const uint8_t* key, uint32_t key_length, const dw_store_set_args* args,
                       uint32_t* out_applied, uint64_t* out_version) {
  return Guard([&] {
    if (region == nullptr || args == nullptr || out_applied == nullptr || out_version == nullptr ||
        args->size < sizeof(dw_store_set_args) || (args->value == nullptr && args->value_length > 0) ||
        (args->expected == nullptr && args->expected_length > 0) || args->mode > DW_SET_IF_EQUAL) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null or out of range");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    dw::SetRequest q;
    q.value = args->value;
    q.length = args->value_length;
    q.ttl_ns = args->ttl_ns;
    q.mode = static_cast<dw::SetMode>(args->mode);
    q.expected_version = args->expected_version;
    q.expected = args->expected;
    q.expected_length = args->expected_length;
    q.type = args->type_tag;
    bool applied = false;
    dw_status s = dw::StoreSet(*Unwrap(region), k, q, &applied, out_version);
    *out_applied = applied ? 1 : 0;
    return s;
  });
}

dw_status dw_store_remove(dw_region* region, const uint8_t* key, uint32_t key_length, uint32_t* out_removed) {
  return Guard([&] {
    if (region == nullptr || out_removed == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    bool removed = false;
    dw_status s = dw::StoreRemove(*Unwrap(region), k, &removed);
    *out_removed = removed ? 1 : 0;
    return s;
  });
}

dw_status dw_store_increment(dw_region* region, const uint8_t* key, uint32_t key_length, int64_t delta,
                             uint64_t type_tag, int64_t* out_value, uint64_t* out_existing_type) {
  return Guard([&] {
    if (region == nullptr || out_value == nullptr || out_existing_type == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    *out_existing_type = 0;
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    return dw::StoreIncrement(*Unwrap(region), k, delta, out_value, type_tag, out_existing_type);
  });
}

dw_status dw_store_claim(dw_region* region, const uint8_t* key, uint32_t key_length, uint64_t waited_round,
                         uint64_t type_tag, uint8_t* buffer, uint32_t capacity, uint32_t* out_length,
                         uint32_t* out_state, uint64_t* out_round, uint64_t* out_ref, uint64_t* out_type) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || out_state == nullptr || out_round == nullptr ||
        out_ref == nullptr || out_type == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    dw::ClaimState state = dw::ClaimState::kPending;
    *out_length = 0;
    *out_ref = 0;
    *out_type = 0;
    dw_status s = dw::StoreClaim(*Unwrap(region), k, waited_round, buffer, capacity, out_length, &state, out_round,
                                 out_ref, type_tag, out_type);
    *out_state = static_cast<uint32_t>(state);
    return s;
  });
}

dw_status dw_store_resolve(dw_region* region, const uint8_t* key, uint32_t key_length, uint64_t round, uint64_t ref,
                           uint32_t outcome, const uint8_t* bytes, uint32_t length, int64_t ttl_ns) {
  return Guard([&] {
    if (region == nullptr || (bytes == nullptr && length > 0) || outcome < DW_RESOLVE_VALUE ||
        outcome > DW_RESOLVE_ABANDONED) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null or out of range");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    return dw::StoreResolve(*Unwrap(region), k, round, ref, static_cast<dw::ClaimOutcome>(outcome), bytes, length,
                            ttl_ns);
  });
}

namespace {

dw_status StoreKeysExport(dw_region* region, const uint8_t* prefix, uint32_t prefix_length, uint64_t* inout_cursor,
                          uint8_t* buffer, uint32_t capacity, uint32_t* out_used, uint32_t* out_count, bool details) {
  return Guard([&] {
    if (region == nullptr || inout_cursor == nullptr || buffer == nullptr || out_used == nullptr ||
        out_count == nullptr || (prefix == nullptr && prefix_length > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    dw::Region& r = *Unwrap(region);
    if (*inout_cursor >= r.header()->bucket_count) {
      *out_used = 0;
      *out_count = 0;
      *inout_cursor = UINT64_MAX;
      return DW_OK;
    }
    dw_status s = dw::StoreKeys(r, prefix, prefix_length, inout_cursor, buffer, capacity, out_used, out_count, details);
    if (s == DW_OK && *inout_cursor >= r.header()->bucket_count) *inout_cursor = UINT64_MAX;
    return s;
  });
}

}  // namespace

dw_status dw_store_keys(dw_region* region, const uint8_t* prefix, uint32_t prefix_length, uint64_t* inout_cursor,
                        uint8_t* buffer, uint32_t capacity, uint32_t* out_used, uint32_t* out_count) {
  return StoreKeysExport(region, prefix, prefix_length, inout_cursor, buffer, capacity, out_used, out_count, false);
}

dw_status dw_store_keys_detailed(dw_region* region, const uint8_t* prefix, uint32_t prefix_length,
                                 uint64_t* inout_cursor, uint8_t* buffer, uint32_t capacity, uint32_t* out_used,
                                 uint32_t* out_count) {
  return StoreKeysExport(region, prefix, prefix_length, inout_cursor, buffer, capacity, out_used, out_count, true);
}

dw_status dw_inspect_object(dw_region* region, uint32_t table, uint32_t index, dw_object_info* out_info) {
  return Guard([&] {
    if (region == nullptr || out_info == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    return dw::InspectObject(*Unwrap(region), table, index, out_info);
  });
}

dw_status dw_buffer_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint64_t size,
                         dw_buffer_info* out_info) {
  return Guard([&] {
    if (region == nullptr || out_info == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    dw::BufferView view;
    dw_status s = dw::OpenBuffer(*Unwrap(region), name, name_length, size, &view);
    if (s == DW_OK) *out_info = {view.data_offset, view.size, view.index, view.generation, view.created ? 1u : 0u, 0};
    return s;
  });
}

dw_status dw_buffer_release(dw_region* region, uint32_t index, uint32_t generation) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::ReleaseBuffer(*Unwrap(region), index, generation);
  });
}

dw_status dw_lock_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t kind, uint32_t max_count,
                       uint32_t* out_index) {
  return Guard([&] {
    if (region == nullptr || out_index == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    return dw::OpenLock(*Unwrap(region), name, name_length, kind, max_count, out_index);
  });
}

dw_status dw_lock_acquire(dw_region* region, uint32_t index, int64_t timeout_ms) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::AcquireLock(*Unwrap(region), index, timeout_ms);
  });
}

dw_status dw_lock_release(dw_region* region, uint32_t index) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::ReleaseLock(*Unwrap(region), index);
  });
}

dw_status dw_type_name_register(dw_region* region, uint64_t identity, const uint8_t* name, uint32_t length) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::RegisterTypeName(*Unwrap(region), identity, name, length);
  });
}

dw_status dw_type_name_find(dw_region* region, uint64_t identity, uint8_t* buffer, uint32_t capacity,
                            uint32_t* out_length) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::FindTypeName(*Unwrap(region), identity, buffer, capacity, out_length);
  });
}

dw_status dw_lock_watch(dw_region* region, uint32_t index, uint32_t watch) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    return dw::WatchLock(r, index, r.self(), watch != 0);
  });
}

int32_t dw_lock_may_be_free(dw_region* region, uint32_t index) {
  return region == nullptr || dw::LockMayBeFree(*Unwrap(region), index) ? 1 : 0;
}

dw_status dw_store_watch_claims(dw_region* region, uint32_t watch) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    dw::WatchClaims(r, r.self(), watch != 0);
    return DW_OK;
  });
}

uint64_t dw_store_claims_settled(dw_region* region) {
  return region == nullptr ? 0 : Unwrap(region)->header()->claims_settled.load(std::memory_order_seq_cst);
}

}  // extern "C"
