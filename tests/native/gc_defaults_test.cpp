#include "gc_defaults.h"

#include <gtest/gtest.h>

namespace dw::host {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

TEST(GcDefaults, AsManyProcessesAsCores_OrMore_RunWorkstationGc) {
  const char* none[] = {"PATH=/bin", nullptr};
  EXPECT_EQ(GcDefaults(3, 2, none), (Settings{{"DOTNET_gcServer", "0"}}));
  EXPECT_EQ(GcDefaults(8, 8, none), (Settings{{"DOTNET_gcServer", "0"}}));
}

TEST(GcDefaults, FewerProcessesThanCores_SplitServerGcsHeaps_Unpinned) {
  const char* none[] = {nullptr};
  EXPECT_EQ(GcDefaults(3, 16, none), (Settings{{"DOTNET_GCHeapCount", "5"}, {"DOTNET_GCNoAffinitize", "1"}}));
  EXPECT_EQ(GcDefaults(2, 64, none), (Settings{{"DOTNET_GCHeapCount", "20"}, {"DOTNET_GCNoAffinitize", "1"}}))
      << "hexadecimal, as the runtime reads it";
}

TEST(GcDefaults, AnyGcSettingOfTheUser_Wins) {
  for (const char* chosen : {"DOTNET_gcServer=1", "COMPlus_gcServer=1", "DOTNET_GCHeapCount=4",
                             "DOTNET_GCNoAffinitize=0", "DOTNET_GCHeapAffinitizeMask=3"}) {
    const char* env[] = {"HOME=/root", chosen, nullptr};
    EXPECT_TRUE(GcDefaults(8, 2, env).empty()) << chosen;
  }
  const char* other[] = {"DOTNET_gcServerX=1", "DOTNET_TieredPGO=0", nullptr};
  EXPECT_FALSE(GcDefaults(8, 2, other).empty()) << "only the GC's own settings";
}

}  // namespace
}  // namespace dw::host
