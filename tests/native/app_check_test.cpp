#include "app_check.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace dw::host {
namespace {

// A minimal PE32+ image: just enough headers for the launcher's check.
std::vector<char> FakePe(bool with_cli_header) {
  std::vector<char> b(1024, 0);
  b[0] = 'M';
  b[1] = 'Z';
  const uint32_t pe = 0x80;
  std::memcpy(&b[0x3c], &pe, 4);
  std::memcpy(&b[pe], "PE\0\0", 4);
  const size_t optional = pe + 24;
  const uint16_t magic = 0x20b;
  std::memcpy(&b[optional], &magic, 2);
  const uint32_t count = 16;
  std::memcpy(&b[optional + 108], &count, 4);
  if (with_cli_header) {
    const uint32_t rva = 0x2008, size = 0x48;
    std::memcpy(&b[optional + 112 + 14 * 8], &rva, 4);
    std::memcpy(&b[optional + 112 + 14 * 8 + 4], &size, 4);
  }
  return b;
}

class AppCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/dw-app-check-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Write(const std::string& name, const std::vector<char>& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  std::string dir_;
  std::string error_;
  AppKind kind_ = AppKind::kNative;
};

TEST_F(AppCheck, AcceptsAManagedAssemblyWithARuntimeConfig) {
  std::string app = Write("App.dll", FakePe(true));
  Write("App.runtimeconfig.json", {'{', '}'});
  EXPECT_TRUE(CheckDotnetApp(app, &kind_, &error_)) << error_;
  EXPECT_EQ(kind_, AppKind::kManaged);
}

// An ELF image that exports the NativeAOT runtime's debug header, as every NativeAOT executable does.
std::vector<char> FakeNativeAot() {
  std::vector<char> b(256, 0);
  const char magic[] = {0x7f, 'E', 'L', 'F'};
  std::memcpy(b.data(), magic, sizeof magic);
  std::memcpy(b.data() + 128, "DotNetRuntimeDebugHeader", 24);
  return b;
}

TEST_F(AppCheck, AcceptsANativeAotExecutable) {
  std::string app = Write("App", FakeNativeAot());
  ASSERT_EQ(chmod(app.c_str(), 0755), 0);
  EXPECT_TRUE(CheckDotnetApp(app, &kind_, &error_)) << error_;
  EXPECT_EQ(kind_, AppKind::kNative);
}

TEST_F(AppCheck, RejectsANativeAotAppThatIsNotExecutable) {
  std::string app = Write("App", FakeNativeAot());
  ASSERT_EQ(chmod(app.c_str(), 0644), 0);
  EXPECT_FALSE(CheckDotnetApp(app, &kind_, &error_));
  EXPECT_NE(error_.find("not executable"), std::string::npos) << error_;
}

TEST_F(AppCheck, RejectsAMissingFile) {
  EXPECT_FALSE(CheckDotnetApp(dir_ + "/Nope.dll", &kind_, &error_));
  EXPECT_NE(error_.find("cannot find the app"), std::string::npos) << error_;
}

TEST_F(AppCheck, RejectsADirectory) {
  EXPECT_FALSE(CheckDotnetApp(dir_, &kind_, &error_));
  EXPECT_NE(error_.find("is not a file"), std::string::npos) << error_;
}

TEST_F(AppCheck, RejectsATextFile) {
  std::string app = Write("Text.dll", {'h', 'e', 'l', 'l', 'o'});
  EXPECT_FALSE(CheckDotnetApp(app, &kind_, &error_));
  EXPECT_NE(error_.find("is not a .NET app"), std::string::npos) << error_;
}

TEST_F(AppCheck, RejectsANativePeImage) {
  std::string app = Write("Native.dll", FakePe(false));
  Write("Native.runtimeconfig.json", {'{', '}'});
  EXPECT_FALSE(CheckDotnetApp(app, &kind_, &error_));
  EXPECT_NE(error_.find("is not a .NET app"), std::string::npos) << error_;
}

TEST_F(AppCheck, RejectsAnElfExecutableThatIsNotANativeAotApp) {
  EXPECT_FALSE(CheckDotnetApp("/bin/sh", &kind_, &error_));
  EXPECT_NE(error_.find("is not a .NET app"), std::string::npos) << error_;
  EXPECT_NE(error_.find("PublishAot"), std::string::npos) << error_;
}

TEST_F(AppCheck, RejectsALibraryWithoutARuntimeConfig) {
  std::string app = Write("Lib.dll", FakePe(true));
  EXPECT_FALSE(CheckDotnetApp(app, &kind_, &error_));
  EXPECT_NE(error_.find("Lib.runtimeconfig.json"), std::string::npos) << error_;
}

}  // namespace
}  // namespace dw::host
