#include "runtime_defaults.h"

#include <gtest/gtest.h>

namespace dw::host {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

TEST(RuntimeDefaults, AsManyProcessesAsCores_OrMore_RunWorkstationGc_WithA64MbBudget) {
  const char* none[] = {"PATH=/bin", nullptr};
  const Settings expected{{"DOTNET_gcServer", "0"}, {"DOTNET_GCgen0size", "4000000"}};
  EXPECT_EQ(RuntimeDefaults(3, 2, none), expected);
  EXPECT_EQ(RuntimeDefaults(8, 8, none), expected);
}

TEST(RuntimeDefaults, FewerProcessesThanCores_SplitServerGcsHeaps_Unpinned) {
  const char* none[] = {nullptr};
  EXPECT_EQ(RuntimeDefaults(3, 16, none), (Settings{{"DOTNET_GCHeapCount", "5"}, {"DOTNET_GCNoAffinitize", "1"}}))
      << "heaps round down";
  EXPECT_EQ(RuntimeDefaults(2, 64, none), (Settings{{"DOTNET_GCHeapCount", "20"}, {"DOTNET_GCNoAffinitize", "1"}}))
      << "the heap count hexadecimal, as the runtime reads it";
}

TEST(RuntimeDefaults, AnySettingOfTheUser_Wins_Whole) {
  // The processor count sizes Server GC's heaps (a count of 1 is workstation GC): it counts
  // as a GC setting.
  for (const char* chosen :
       {"DOTNET_gcServer=1", "COMPlus_gcServer=1", "DOTNET_GCHeapCount=4", "DOTNET_GCNoAffinitize=0",
        "DOTNET_GCHeapAffinitizeMask=3", "DOTNET_PROCESSOR_COUNT=2", "COMPlus_PROCESSOR_COUNT=2"}) {
    const char* env[] = {"HOME=/root", chosen, nullptr};
    EXPECT_TRUE(RuntimeDefaults(8, 2, env).empty()) << chosen;
  }
  const char* other[] = {"DOTNET_gcServerX=1", "DOTNET_TieredPGO=0", nullptr};
  EXPECT_EQ(RuntimeDefaults(8, 2, other).size(), 2u) << "only the GC's own settings";
}

TEST(RuntimeDefaults, TheUsersGen0Budget_ReplacesOnlyTheLaunchers) {
  const char* env[] = {"DOTNET_GCgen0size=1000000", nullptr};
  EXPECT_EQ(RuntimeDefaults(3, 2, env), (Settings{{"DOTNET_gcServer", "0"}}));
}

TEST(RuntimeDefaults, NeverSetTheProcessorCount) {
  // Measured: a process's share of the cores as its count cost a third of the plain
  // endpoint's requests (runtime_defaults.h).
  const char* none[] = {nullptr};
  for (uint32_t processes : {1u, 2u, 3u, 8u, 64u}) {
    for (const auto& [name, value] : RuntimeDefaults(processes, 4, none)) EXPECT_NE(name, "DOTNET_PROCESSOR_COUNT");
  }
}

}  // namespace
}  // namespace dw::host
