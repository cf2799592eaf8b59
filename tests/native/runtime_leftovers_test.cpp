#include "runtime_leftovers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace dw::host {
namespace {

namespace fs = std::filesystem;

class RuntimeLeftovers : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/dw-leftovers-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const std::string& name) { std::ofstream(dir_ / name).put('x'); }
  bool Exists(const std::string& name) { return fs::exists(dir_ / name); }
  fs::path dir_;
};

TEST_F(RuntimeLeftovers, TheDeadProcesssSocketAndPipesGo_AndNothingElse) {
  Touch("dotnet-diagnostic-4242-123456-socket");
  Touch("clr-debug-pipe-4242-1879842-in");
  Touch("clr-debug-pipe-4242-1879842-out");
  Touch("dotnet-diagnostic-42421-123456-socket");  // another pid with the same prefix digits
  Touch("clr-debug-pipe-424-1879842-in");
  Touch("clr-debug-pipe-4242-1879842-in.bak");
  Touch("dotnet-diagnostic-4242-notes.txt");
  Touch("app-4242.log");
  EXPECT_EQ(RemoveRuntimeLeftovers(dir_.string(), 4242), 3);
  EXPECT_FALSE(Exists("dotnet-diagnostic-4242-123456-socket"));
  EXPECT_FALSE(Exists("clr-debug-pipe-4242-1879842-in"));
  EXPECT_FALSE(Exists("clr-debug-pipe-4242-1879842-out"));
  EXPECT_TRUE(Exists("dotnet-diagnostic-42421-123456-socket"));
  EXPECT_TRUE(Exists("clr-debug-pipe-424-1879842-in"));
  EXPECT_TRUE(Exists("clr-debug-pipe-4242-1879842-in.bak"));
  EXPECT_TRUE(Exists("dotnet-diagnostic-4242-notes.txt"));
  EXPECT_TRUE(Exists("app-4242.log"));
}

TEST_F(RuntimeLeftovers, AMissingDirectory_RemovesNothing) {
  EXPECT_EQ(RemoveRuntimeLeftovers((dir_ / "gone").string(), 1), 0);
}

TEST(RuntimeTempDirectory, IsTmpdir_OrTmp) {
  const char* saved = std::getenv("TMPDIR");
  std::string keep = saved != nullptr ? saved : "";
  setenv("TMPDIR", "/var/tmp/x", 1);
  EXPECT_EQ(RuntimeTempDirectory(), "/var/tmp/x");
  setenv("TMPDIR", "", 1);
  EXPECT_EQ(RuntimeTempDirectory(), "/tmp");
  if (saved != nullptr) {
    setenv("TMPDIR", keep.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
}

}  // namespace
}  // namespace dw::host
