#include "region_descriptor.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>

namespace dw {
namespace {

// Consumes "<key>=<number>" (plus a following ':' unless last) from the front of `text`.
template <typename T>
bool TakeField(std::string_view* text, std::string_view key, int base, bool last, T* value) {
  if (text->substr(0, key.size()) != key) return false;
  text->remove_prefix(key.size());
  if (base == 16) {
    if (text->substr(0, 2) != "0x") return false;
    text->remove_prefix(2);
  }
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), *value, base);
  if (ec != std::errc() || end == text->data()) return false;
  text->remove_prefix(static_cast<size_t>(end - text->data()));
  if (last) return text->empty();
  if (text->empty() || text->front() != ':') return false;
  text->remove_prefix(1);
  return true;
}

}  // namespace

bool ParseRegionDescriptor(std::string_view text, RegionDescriptor* out) noexcept {
  RegionDescriptor d;
  if (text.substr(0, 3) != "v1:") return false;
  text.remove_prefix(3);
  if (!TakeField(&text, "pid=", 10, false, &d.pid)) return false;
  if (!TakeField(&text, "fd=", 10, false, &d.fd)) return false;
  if (!TakeField(&text, "addr=", 16, false, &d.address)) return false;
  if (!TakeField(&text, "size=", 10, true, &d.size)) return false;
  if (d.pid == 0 || d.fd < 0 || d.address == 0 || d.size == 0) return false;
  *out = d;
  return true;
}

std::string FormatRegionDescriptor(const RegionDescriptor& d) {
  char buffer[128];
  // The pid is always 10 digits, so a forked child can write its own pid into the
  // launcher's prepared string in place, without allocating.
  std::snprintf(buffer, sizeof buffer, "v1:pid=%010" PRIu32 ":fd=%d:addr=0x%" PRIx64 ":size=%" PRIu64, d.pid, d.fd,
                d.address, d.size);
  return buffer;
}

}  // namespace dw
