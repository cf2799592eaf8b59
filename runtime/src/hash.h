// The 64-bit hash of keys and names: FNV-1a over the bytes, then a murmur3 finalizer so the
// low bits (which pick the bucket and stripe) depend on every input bit. The hash is part of
// the region's format: every process must compute the same value for the same key.
#pragma once

#include <cstdint>

namespace dw {

inline uint64_t HashBytes(const uint8_t* bytes, uint32_t length) noexcept {
  uint64_t h = 14695981039346656037ull;
  for (uint32_t i = 0; i < length; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace dw
