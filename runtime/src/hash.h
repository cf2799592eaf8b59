// The 64-bit hash of keys and names: eight bytes at a time (a multiply-xorshift per word),
// the tail byte by byte, then a murmur3 finalizer so the low bits (which pick the bucket and
// stripe) depend on every input bit. The hash is part of the region's format: every process
// must compute the same value for the same key. Keys are hashed with the region's random
// seed, so keys that collide cannot be computed in advance (to flood one bucket).
#pragma once

#include <cstdint>
#include <cstring>

namespace dw {

inline uint64_t HashBytes(const uint8_t* bytes, uint32_t length, uint64_t seed = 0) noexcept {
  constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;
  uint64_t h = (0xCBF29CE484222325ull ^ seed) ^ (uint64_t{length} * kMultiplier);
  uint32_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);  // little-endian on every platform the launcher builds for
    h = (h ^ word) * kMultiplier;
    h ^= h >> 29;
  }
  for (; i < length; ++i) h = (h ^ bytes[i]) * 0x100000001B3ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace dw
