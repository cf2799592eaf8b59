#include "registration.h"

#include "dotnet_workers/region_layout.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <sys/stat.h>

namespace dw::host {
namespace {

namespace fs = std::filesystem;

class Registration : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/dw-registration-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    runtime_ = pattern;
    const char* saved = std::getenv("XDG_RUNTIME_DIR");
    saved_ = saved != nullptr ? std::optional<std::string>(saved) : std::nullopt;
    setenv("XDG_RUNTIME_DIR", runtime_.c_str(), 1);
  }
  void TearDown() override {
    if (saved_) {
      setenv("XDG_RUNTIME_DIR", saved_->c_str(), 1);
    } else {
      unsetenv("XDG_RUNTIME_DIR");
    }
    fs::remove_all(runtime_);
  }
  fs::path runtime_;
  std::optional<std::string> saved_;
};

TEST_F(Registration, IsAFileOfFieldsInAFolderOnlyThisUserReads_RemovedAtExit) {
  EXPECT_EQ(RegistrationDirectory(), (runtime_ / "dotnet-workers").string());
  std::string error;
  ASSERT_TRUE(WriteRegistration({"web", "/srv/Web.dll", 4242, 3, 8, 1700000000000, 123456}, &error)) << error;
  const fs::path file = runtime_ / "dotnet-workers" / "4242.cluster";
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "name=web\npid=4242\nregion_fd=3\napp=/srv/Web.dll\nworkers=8\nstarted_unix_ms=1700000000000\nlayout=" +
                std::to_string(layout::kLayoutVersion) + "\nstart_ticks=123456\n");
  struct stat st {};
  ASSERT_EQ(stat((runtime_ / "dotnet-workers").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  RemoveRegistration(4242);
  EXPECT_FALSE(fs::exists(file));
}

TEST_F(Registration, AFolderOthersCanRead_IsRefused) {
  fs::create_directory(runtime_ / "dotnet-workers");
  chmod((runtime_ / "dotnet-workers").c_str(), 0755);
  std::string error;
  EXPECT_FALSE(WriteRegistration({"web", "/srv/Web.dll", 4242, 3, 8, 0}, &error));
  EXPECT_NE(error.find("only it can read"), std::string::npos) << error;
}

TEST(StartTicks, AreThisProcesssOwn) {
  EXPECT_GT(OwnStartTicks(), 0u);
  EXPECT_EQ(OwnStartTicks(), OwnStartTicks());
}

TEST(ClusterNames, AreTheAppsFileNameWithoutDll) {
  EXPECT_EQ(DefaultClusterName("/srv/app/Fib.dll"), "Fib");
  EXPECT_EQ(DefaultClusterName("out/MyApp"), "MyApp");
  EXPECT_EQ(DefaultClusterName("Web.dll"), "Web");
}

}  // namespace
}  // namespace dw::host
