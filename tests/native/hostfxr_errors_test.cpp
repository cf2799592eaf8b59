#include "hostfxr_errors.h"

#include <gtest/gtest.h>

namespace dw::host {
namespace {

// hostfxr's own words (the .NET 10 host), as its error writer gives them.
constexpr const char* kFrameworkMissing = R"(You must install or update .NET to run this application.

App: /usr/bin/dotnet-workers
Architecture: x64
Framework: 'Microsoft.NETCore.App', version '99.0.0' (x64)
.NET location: /usr/share/dotnet

The following frameworks were found:
  8.0.11 at [/usr/share/dotnet/shared/Microsoft.NETCore.App]
  10.0.12 at [/usr/share/dotnet/shared/Microsoft.NETCore.App]

Learn more:
https://aka.ms/dotnet/app-launch-failed

To install missing framework, download:
https://aka.ms/dotnet-core-applaunch?framework=Microsoft.NETCore.App&framework_version=99.0.0&arch=x64&rid=linux-x64&os=debian.12)";

constexpr const char* kUnknownFramework = R"(You must install or update .NET to run this application.

App: /usr/bin/dotnet-workers
Architecture: x64
Framework: 'Contoso.Unknown.App', version '10.0.0' (x64)
.NET location: /usr/share/dotnet

No frameworks were found.

Learn more:
https://aka.ms/dotnet/app-launch-failed)";

constexpr const char* kBadConfig =
    "Failed to parse file [/app/App.runtimeconfig.json]. JSON parsing exception: Invalid value. [offset 30: line 2, "
    "column 1]\nInvalid runtimeconfig.json [/app/App.runtimeconfig.json] [/app/App.runtimeconfig.dev.json]";

TEST(HostfxrErrors, AFrameworkNotInstalled_IsOneLine_NamingWhatIsNeededAndWhatIsThere) {
  EXPECT_EQ(
      DescribeHostfxrFailure("app/App.dll", static_cast<int32_t>(0x80008096), kFrameworkMissing),
      "'app/App.dll' needs the Microsoft.NETCore.App 99.0.0 framework, which is not installed (installed: 8.0.11, "
      "10.0.12): install it (https://aka.ms/dotnet/download), or build the app for an installed one");
}

TEST(HostfxrErrors, AnUnknownFramework_SaysNoVersionOfItIsInstalled) {
  EXPECT_EQ(DescribeHostfxrFailure("App.dll", static_cast<int32_t>(0x80008096), kUnknownFramework),
            "'App.dll' needs the Contoso.Unknown.App 10.0.0 framework, which is not installed (no version of "
            "Contoso.Unknown.App is): install it (https://aka.ms/dotnet/download), or build the app for an installed "
            "one");
}

TEST(HostfxrErrors, AMalformedRuntimeconfig_NamesTheFileAndWhereItBreaks) {
  EXPECT_EQ(DescribeHostfxrFailure("App.dll", static_cast<int32_t>(0x80008093), kBadConfig),
            "cannot start 'App.dll': /app/App.runtimeconfig.json is not valid: JSON parsing exception: Invalid value. "
            "[offset 30: line 2, column 1]; fix it or rebuild the app");
}

TEST(HostfxrErrors, AnythingElse_KeepsTheCodeAndHostfxrsFirstLine) {
  EXPECT_EQ(DescribeHostfxrFailure("App.dll", static_cast<int32_t>(0x80008083), "\nThe app is broken.\nMore."),
            "cannot start the .NET runtime for 'App.dll' (hostfxr 0x80008083): The app is broken.");
  EXPECT_EQ(DescribeHostfxrFailure("App.dll", static_cast<int32_t>(0x80008096), ""),
            "cannot start the .NET runtime for 'App.dll' (hostfxr 0x80008096)");
}

TEST(HostfxrErrors, TheVerboseText_IsIndented) { EXPECT_EQ(IndentHostfxrMessages("a\n\nb"), "  a\n  \n  b\n"); }

}  // namespace
}  // namespace dw::host
