#include "runtime_defaults.h"

#include <gtest/gtest.h>

namespace dw::host {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

TEST(RuntimeDefaults, AsManyProcessesAsCores_OrMore_RunWorkstationGc_WithA64MbBudget_OnOneCoreEach) {
  const char* none[] = {"PATH=/bin", nullptr};
  const Settings expected{{"DOTNET_gcServer", "0"}, {"DOTNET_GCgen0size", "4000000"}, {"DOTNET_PROCESSOR_COUNT", "1"}};
  EXPECT_EQ(RuntimeDefaults(3, 2, none), expected);
  EXPECT_EQ(RuntimeDefaults(8, 8, none), expected);
}

TEST(RuntimeDefaults, FewerProcessesThanCores_SplitServerGcsHeaps_Unpinned_AndTheCores) {
  const char* none[] = {nullptr};
  EXPECT_EQ(RuntimeDefaults(3, 16, none),
            (Settings{{"DOTNET_GCHeapCount", "5"}, {"DOTNET_GCNoAffinitize", "1"}, {"DOTNET_PROCESSOR_COUNT", "6"}}))
      << "heaps round down, the processor count up";
  EXPECT_EQ(RuntimeDefaults(2, 64, none),
            (Settings{{"DOTNET_GCHeapCount", "20"}, {"DOTNET_GCNoAffinitize", "1"}, {"DOTNET_PROCESSOR_COUNT", "32"}}))
      << "the heap count hexadecimal, the processor count decimal, as the runtime reads each";
}

TEST(RuntimeDefaults, AnySettingOfTheUser_Wins_Whole) {
  // Server GC with a processor count of 1 would be workstation GC: the two go together.
  for (const char* chosen :
       {"DOTNET_gcServer=1", "COMPlus_gcServer=1", "DOTNET_GCHeapCount=4", "DOTNET_GCNoAffinitize=0",
        "DOTNET_GCHeapAffinitizeMask=3", "DOTNET_PROCESSOR_COUNT=2", "COMPlus_PROCESSOR_COUNT=2"}) {
    const char* env[] = {"HOME=/root", chosen, nullptr};
    EXPECT_TRUE(RuntimeDefaults(8, 2, env).empty()) << chosen;
  }
  const char* other[] = {"DOTNET_gcServerX=1", "DOTNET_TieredPGO=0", nullptr};
  EXPECT_EQ(RuntimeDefaults(8, 2, other).size(), 3u) << "only the GC's own settings";
}

TEST(RuntimeDefaults, TheUsersGen0Budget_ReplacesOnlyTheLaunchers) {
  const char* env[] = {"DOTNET_GCgen0size=1000000", nullptr};
  EXPECT_EQ(RuntimeDefaults(3, 2, env), (Settings{{"DOTNET_gcServer", "0"}, {"DOTNET_PROCESSOR_COUNT", "1"}}));
}

TEST(RuntimeDefaults, OneProcess_KeepsTheMachinesCount) {
  const char* none[] = {nullptr};
  EXPECT_EQ(RuntimeDefaults(1, 4, none), (Settings{{"DOTNET_GCHeapCount", "4"}, {"DOTNET_GCNoAffinitize", "1"}}));
}

}  // namespace
}  // namespace dw::host
