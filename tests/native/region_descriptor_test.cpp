#include "region_descriptor.h"

#include <gtest/gtest.h>

namespace dw {
namespace {

TEST(RegionDescriptor, FormatThenParse_RoundTrips) {
  RegionDescriptor d{4242, 7, 0x200000000000ull, 64ull << 30};
  std::string text = FormatRegionDescriptor(d);
  EXPECT_EQ(text, "v1:pid=0000004242:fd=7:addr=0x200000000000:size=68719476736");
  RegionDescriptor parsed;
  ASSERT_TRUE(ParseRegionDescriptor(text, &parsed));
  EXPECT_EQ(parsed.pid, d.pid);
  EXPECT_EQ(parsed.fd, d.fd);
  EXPECT_EQ(parsed.address, d.address);
  EXPECT_EQ(parsed.size, d.size);
}

TEST(RegionDescriptor, Parse_RejectsMalformedText) {
  RegionDescriptor d;
  for (const char* bad :
       {"", "v1:", "v2:pid=1:fd=3:addr=0x1000:size=10", "v1:pid=1:fd=3:addr=1000:size=10",
        "v1:pid=1:fd=3:addr=0x1000:size=10:", "v1:pid=0:fd=3:addr=0x1000:size=10", "v1:pid=1:fd=-1:addr=0x1000:size=10",
        "v1:pid=1:fd=3:addr=0x1000:size=0", "v1:pid=1:fd=3:addr=0x1000:size=10x",
        "v1:pid=99999999999:fd=3:addr=0x1000:size=10", "v1:fd=3:pid=1:addr=0x1000:size=10"}) {
    EXPECT_FALSE(ParseRegionDescriptor(bad, &d)) << bad;
  }
}

}  // namespace
}  // namespace dw
