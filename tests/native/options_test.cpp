#include "options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace dw::host {
namespace {

constexpr uint32_t kCores = 4;
constexpr uint64_t kMemory = 8ull << 30;

struct Parsed {
  ParseOutcome outcome;
  LauncherOptions options;
  std::string error;
};

Parsed Parse(std::vector<std::string_view> args) {
  Parsed p;
  p.outcome = ParseOptions(args, kCores, kMemory, &p.options, &p.error);
  return p;
}

TEST(Options, ListenAddressesInOrder_ForEveryoneOrARole_AndTheReadyTimeout) {
  Parsed p = Parse({"--role=web=2", "--listen", "8080", "--listen=/run/a.sock=web", "--listen=primary.x:1=primary",
                    "--ready-timeout=750ms", "a.dll"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  ASSERT_EQ(p.options.listens.size(), 3u);
  EXPECT_EQ(p.options.listens[0].port, 8080);
  EXPECT_EQ(p.options.listens[1].path, "/run/a.sock");
  EXPECT_EQ(p.options.listens[1].role, "web");
  EXPECT_EQ(p.options.listens[2].role, "primary");
  EXPECT_EQ(p.options.ready_timeout_ms, 750u);
  EXPECT_EQ(Parse({"a.dll"}).options.ready_timeout_ms, 5000u);
}

TEST(Options, Http_AddsTheDashboardProcessAndItsSocket_OnLoopbackUnlessAHostIsGiven) {
  Parsed p =
      Parse({"--workers=2", "--http=9000", "--http-write", "--data-dir", "/tmp/d", "--data-sync=patch", "a.dll"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  ASSERT_TRUE(p.options.http.has_value());
  EXPECT_EQ(p.options.http->host, "127.0.0.1");
  EXPECT_EQ(p.options.http->port, 9000);
  EXPECT_TRUE(p.options.http_write);
  EXPECT_EQ(p.options.WorkerCount(), 3u);
  EXPECT_EQ(p.options.AppWorkerCount(), 2u);
  ASSERT_EQ(p.options.roles.back().name, kDashboardRole);
  ASSERT_EQ(p.options.listens.size(), 1u);
  EXPECT_EQ(p.options.listens[0].role, kDashboardRole);
  EXPECT_EQ(p.options.data_dir, "/tmp/d");
  EXPECT_TRUE(p.options.data_sync_every_patch);
  EXPECT_FALSE(Parse({"a.dll"}).options.data_sync_every_patch);

  Parsed open = Parse({"--http=0.0.0.0:9000", "--http-token=0123456789abcdef", "a.dll"});
  ASSERT_EQ(open.outcome, ParseOutcome::kRun) << open.error;
  EXPECT_EQ(open.options.http_token, "0123456789abcdef");
}

TEST(Options, HttpToken_FromAFileOrTheEnvironment_StaysOffTheCommandLine) {
  char path[] = "/tmp/dw-token-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string contents = "file-token-0123456789  \nsecond line\n";
  ASSERT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  close(fd);
  Parsed from_file = Parse({"--http=0.0.0.0:9000", std::string("--http-token-file=") + path, "a.dll"});
  unlink(path);
  ASSERT_EQ(from_file.outcome, ParseOutcome::kRun) << from_file.error;
  EXPECT_EQ(from_file.options.http_token, "file-token-0123456789") << "the first line, its trailing blanks cut";

  setenv("DOTNET_WORKERS_HTTP_TOKEN", "env-token-0123456789", 1);
  Parsed from_environment = Parse({"--http=0.0.0.0:9000", "a.dll"});
  Parsed given = Parse({"--http=9000", "--http-token=flag-token-0123456789", "a.dll"});
  setenv("DOTNET_WORKERS_HTTP_TOKEN", "short", 1);
  Parsed too_short = Parse({"--http=9000", "a.dll"});
  unsetenv("DOTNET_WORKERS_HTTP_TOKEN");
  ASSERT_EQ(from_environment.outcome, ParseOutcome::kRun) << from_environment.error;
  EXPECT_EQ(from_environment.options.http_token, "env-token-0123456789");
  EXPECT_EQ(given.options.http_token, "flag-token-0123456789") << "an option wins over the environment";
  EXPECT_EQ(too_short.error, "DOTNET_WORKERS_HTTP_TOKEN must give a token of at least 16 characters");
}

TEST(Options, HttpAndDataErrors_AreOneLine) {
  EXPECT_EQ(Parse({"--http=[::]:9000", "a.dll"}).error,
            "--http [::]:9000 is reachable from other machines: give a token (--http-token-file, "
            "DOTNET_WORKERS_HTTP_TOKEN or --http-token), or bind 127.0.0.1");
  EXPECT_EQ(Parse({"--http=9000", "--http-token=short", "a.dll"}).error,
            "--http-token must give a token of at least 16 characters");
  EXPECT_EQ(Parse({"--http=9000", "--http-token-file=/nonexistent/t", "a.dll"}).error,
            "--http-token-file /nonexistent/t: cannot read a token from it");
  EXPECT_EQ(Parse({"--http=[::1]:9000", "a.dll"}).outcome, ParseOutcome::kRun);
  EXPECT_EQ(Parse({"--http-token=0123456789abcdef", "a.dll"}).error, "--http-token needs --http");
  EXPECT_EQ(Parse({"--http=9000", "--role=dashboard=1", "a.dll"}).error,
            "role 'dashboard' is the launcher's own (--http): choose another name");
  EXPECT_EQ(Parse({"--data-sync=never", "a.dll"}).error,
            "invalid --data-sync 'never': expected interval (fsync within 100ms) or patch");
  EXPECT_EQ(Parse({"--data-dir=", "a.dll"}).error, "--data-dir needs a directory");
  EXPECT_EQ(Parse({"--data-sync=patch", "a.dll"}).error, "--data-sync needs --data-dir");
  EXPECT_EQ(Parse({"--listen=8080", "--http=127.0.0.1:8080", "a.dll"}).error,
            "--http 127.0.0.1:8080 and --listen 8080 are the same port");
  EXPECT_EQ(Parse({"--listen=10.0.0.1:8080", "--http=127.0.0.1:8080", "a.dll"}).outcome, ParseOutcome::kRun)
      << "two addresses may share a port number";
  EXPECT_NE(Parse({"--http=127.0.0.1.example.com:9000", "a.dll"}).error.find("reachable from other machines"),
            std::string::npos)
      << "a name that starts like a loopback address is not one";
  EXPECT_EQ(Parse({"--http=127.8.9.10:9000", "a.dll"}).outcome, ParseOutcome::kRun);
}

TEST(Options, Defaults_OneWorkerPerCoreAndTheMachinesMemory) {
  Parsed p = Parse({"app.dll"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.app_path, "app.dll");
  EXPECT_EQ(p.options.WorkerCount(), kCores);
  ASSERT_EQ(p.options.roles.size(), 1u);
  EXPECT_EQ(p.options.roles[0].name, "worker");
  EXPECT_EQ(p.options.memory_bytes, kMemory);
  EXPECT_EQ(p.options.shutdown_timeout_ms, 5000u);
  EXPECT_FALSE(p.options.spawn);
}

TEST(Options, EveryOption_InBothSpellings) {
  for (auto args : std::vector<std::vector<std::string_view>>{
           {"--workers=3", "--memory=64g", "--shutdown-timeout=250ms", "--spawn", "a.dll"},
           {"--workers", "3", "--memory", "64g", "--shutdown-timeout", "250ms", "--spawn", "a.dll"}}) {
    Parsed p = Parse(args);
    ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
    EXPECT_EQ(p.options.WorkerCount(), 3u);
    EXPECT_EQ(p.options.memory_bytes, 64ull << 30);
    EXPECT_EQ(p.options.shutdown_timeout_ms, 250u);
    EXPECT_TRUE(p.options.spawn);
  }
}

TEST(Options, ArgumentsAfterTheApp_BelongToTheApp_FromTheFirstThatIsNotTheLaunchers) {
  Parsed p = Parse({"--workers=2", "app.dll", "--help", "--workers=9", "x"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.WorkerCount(), 2u);
  EXPECT_EQ(p.options.app_args, (std::vector<std::string>{"--help", "--workers=9", "x"}));
}

TEST(Options, TheLaunchersOptionsMayFollowTheApp_AsTheReadmeWritesThem) {
  Parsed p = Parse(
      {"app.dll", "--workers=8", "--listen", "8080", "--on-worker-exit=revive", "--urls", "http://x", "--workers=3"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.app_path, "app.dll");
  EXPECT_EQ(p.options.WorkerCount(), 8u);
  ASSERT_EQ(p.options.listens.size(), 1u);
  EXPECT_EQ(p.options.on_worker_exit, WorkerExit::kRevive);
  EXPECT_EQ(p.options.app_args, (std::vector<std::string>{"--urls", "http://x", "--workers=3"}))
      << "from the first argument that is not the launcher's, everything is the app's";

  Parsed mixed = Parse({"--name", "web", "app.dll", "--role", "jobs=1", "a", "--workers=2"});
  ASSERT_EQ(mixed.outcome, ParseOutcome::kRun) << mixed.error;
  EXPECT_EQ(mixed.options.name, "web");
  EXPECT_EQ(mixed.options.WorkerCount(), 1u);
  EXPECT_EQ(mixed.options.app_args, (std::vector<std::string>{"a", "--workers=2"}));

  Parsed bad = Parse({"app.dll", "--workers=0"});
  EXPECT_EQ(bad.outcome, ParseOutcome::kError);
  EXPECT_NE(bad.error.find("--workers"), std::string::npos) << bad.error;
  EXPECT_EQ(Parse({"app.dll", "--workers"}).error, "option '--workers' needs a value");
}

TEST(Options, GenericOptionsAfterTheApp_StayTheApps) {
  // Names an app may well have: after the app they are never the launcher's.
  for (std::string_view arg : {"--timeout", "--name", "--output", "--verbose", "--spawn", "--help", "--version"}) {
    Parsed p = Parse({"app.dll", arg, "30"});
    ASSERT_EQ(p.outcome, ParseOutcome::kRun) << arg << ": " << p.error;
    EXPECT_EQ(p.options.app_args, (std::vector<std::string>{std::string(arg), "30"})) << arg;
    EXPECT_EQ(p.options.timeout_ms, 0u);
    EXPECT_FALSE(p.options.spawn);
  }
  Parsed dash = Parse({"app.dll", "--", "x"});
  EXPECT_EQ(dash.options.app_args, (std::vector<std::string>{"--", "x"})) << "a `--` with nothing of ours before it";
}

TEST(Options, DoubleDash_AfterTheApp_GivesTheRestToTheApp) {
  Parsed p = Parse({"app.dll", "--workers=2", "--", "--workers=9"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.WorkerCount(), 2u);
  EXPECT_EQ(p.options.app_args, (std::vector<std::string>{"--workers=9"}));

  Parsed before = Parse({"--workers=2", "--", "app.dll", "--workers=9"});
  ASSERT_EQ(before.outcome, ParseOutcome::kRun) << before.error;
  EXPECT_EQ(before.options.app_args, (std::vector<std::string>{"--workers=9"}))
      << "`--` before the app: all after it is the app's";
}

TEST(Options, DoubleDash_EndsTheLaunchersOptions) {
  Parsed p = Parse({"--", "-app.dll", "a"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  EXPECT_EQ(p.options.app_path, "-app.dll");
}

TEST(Options, Roles_StartNamedWorkersInOrder) {
  Parsed p = Parse({"--role", "web=4", "--role=jobs=2", "app.dll"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  ASSERT_EQ(p.options.roles.size(), 2u);
  EXPECT_EQ(p.options.roles[0].name, "web");
  EXPECT_EQ(p.options.roles[0].count, 4u);
  EXPECT_EQ(p.options.roles[1].name, "jobs");
  EXPECT_EQ(p.options.WorkerCount(), 6u);
}

TEST(Options, RolesWithWorkers_AddPlainWorkersFirst) {
  Parsed p = Parse({"--workers=1", "--role=web=2", "app.dll"});
  ASSERT_EQ(p.outcome, ParseOutcome::kRun) << p.error;
  ASSERT_EQ(p.options.roles.size(), 2u);
  EXPECT_EQ(p.options.roles[0].name, "worker");
  EXPECT_EQ(p.options.WorkerCount(), 3u);
}

TEST(Options, OnWorkerExit_FailAllByDefault_OrContinue_OrRevive) {
  EXPECT_EQ(Parse({"a.dll"}).options.on_worker_exit, WorkerExit::kFailAll);
  EXPECT_EQ(Parse({"--on-worker-exit=fail-all", "a.dll"}).options.on_worker_exit, WorkerExit::kFailAll);
  EXPECT_EQ(Parse({"--on-worker-exit", "continue", "a.dll"}).options.on_worker_exit, WorkerExit::kContinue);
  EXPECT_EQ(Parse({"--on-worker-exit=revive", "a.dll"}).options.on_worker_exit, WorkerExit::kRevive);
}

TEST(Options, RestartLimits_HavePm2LikeDefaults_AndCanBeGiven) {
  Parsed defaults = Parse({"--on-worker-exit=revive", "a.dll"});
  EXPECT_EQ(defaults.options.restart_limits.max_restarts, 10u);
  EXPECT_EQ(defaults.options.restart_limits.window_ms, 60'000u);
  Parsed given = Parse({"--on-worker-exit=revive", "--max-restarts=3", "--restart-window", "2m", "a.dll"});
  ASSERT_EQ(given.outcome, ParseOutcome::kRun) << given.error;
  EXPECT_EQ(given.options.restart_limits.max_restarts, 3u);
  EXPECT_EQ(given.options.restart_limits.window_ms, 120'000u);
  EXPECT_EQ(defaults.options.restart_limits.first_delay_ms, 100u);
  EXPECT_EQ(Parse({"--on-worker-exit=revive", "--restart-delay=0", "a.dll"}).options.restart_limits.first_delay_ms, 0u);
}

TEST(Options, MaxMemory_IsOffByDefault_AndASize) {
  EXPECT_EQ(Parse({"a.dll"}).options.max_memory_bytes, 0u);
  EXPECT_EQ(Parse({"--max-memory=512m", "a.dll"}).options.max_memory_bytes, 512ull << 20);
  EXPECT_EQ(Parse({"--max-memory", "2g", "a.dll"}).options.max_memory_bytes, 2ull << 30);
}

TEST(Options, OutputIsInheritedByDefault_OrPrefixed_AndNameIsOptional) {
  EXPECT_FALSE(Parse({"a.dll"}).options.prefix_output);
  EXPECT_TRUE(Parse({"--output=prefix", "a.dll"}).options.prefix_output);
  EXPECT_FALSE(Parse({"--output", "inherit", "a.dll"}).options.prefix_output);
  EXPECT_EQ(Parse({"a.dll"}).options.name, "");
  EXPECT_EQ(Parse({"--name=web-eu", "a.dll"}).options.name, "web-eu");
}

TEST(Options, Timeout_IsOffByDefault) {
  EXPECT_EQ(Parse({"a.dll"}).options.timeout_ms, 0u);
  EXPECT_EQ(Parse({"--timeout=90s", "a.dll"}).options.timeout_ms, 90'000u);
  EXPECT_EQ(Parse({"--timeout", "500ms", "a.dll"}).options.timeout_ms, 500u);
}

TEST(Options, HelpAndVersion) {
  EXPECT_EQ(Parse({"--help"}).outcome, ParseOutcome::kHelp);
  EXPECT_EQ(Parse({"-h", "app.dll"}).outcome, ParseOutcome::kHelp);
  EXPECT_EQ(Parse({"--version"}).outcome, ParseOutcome::kVersion);
  EXPECT_NE(HelpText().find("--shutdown-timeout"), std::string::npos);
}

struct BadCase {
  std::vector<std::string_view> args;
  std::string_view message;
};

TEST(Options, BadInput_IsOneClearError) {
  const BadCase cases[] = {
      {{}, "missing the app"},
      {{"--workers=2"}, "missing the app"},
      {{"--frobnicate", "a.dll"}, "unknown option '--frobnicate'"},
      {{"--frob=1", "a.dll"}, "unknown option '--frob'"},
      {{"--spawn=yes", "a.dll"}, "unknown option '--spawn'"},
      {{"--workers=0", "a.dll"}, "invalid --workers '0'"},
      {{"--workers=abc", "a.dll"}, "invalid --workers 'abc'"},
      {{"--workers=-1", "a.dll"}, "invalid --workers '-1'"},
      {{"--workers=1024", "a.dll"}, "invalid --workers '1024'"},
      {{"--workers="}, "invalid --workers ''"},
      {{"--workers"}, "needs a value"},
      {{"--memory=1x", "a.dll"}, "invalid --memory '1x'"},
      {{"--memory=0", "a.dll"}, "invalid --memory '0'"},
      {{"--memory=12k", "a.dll"}, "invalid --memory '12k'"},
      {{"--memory=8m", "a.dll"}, "at least 16m"},
      {{"--on-worker-exit=ignore", "a.dll"},
       "invalid --on-worker-exit 'ignore': expected fail-all, continue or revive"},
      {{"--max-restarts=3", "a.dll"}, "they need --on-worker-exit=revive"},
      {{"--restart-delay=0", "a.dll"}, "they need --on-worker-exit=revive"},
      {{"--on-worker-exit=revive", "--restart-delay=2h", "a.dll"}, "invalid --restart-delay '2h'"},
      {{"--on-worker-exit=continue", "--restart-window=1m", "a.dll"}, "they need --on-worker-exit=revive"},
      {{"--on-worker-exit=revive", "--max-restarts=many", "a.dll"}, "invalid --max-restarts 'many'"},
      {{"--on-worker-exit=revive", "--restart-window=0", "a.dll"}, "invalid --restart-window '0'"},
      {{"--timeout=soon", "a.dll"}, "invalid --timeout 'soon'"},
      {{"--max-memory=lots", "a.dll"}, "invalid --max-memory 'lots'"},
      {{"--output=json", "a.dll"}, "invalid --output 'json': expected inherit or prefix"},
      {{"--name=a b", "a.dll"}, "invalid --name 'a b'"},
      {{"--max-memory=512k", "a.dll"}, "at least 1m"},
      {{"--timeout=0s", "a.dll"}, "invalid --timeout '0s'"},
      {{"--memory=99999999999999p", "a.dll"}, "invalid --memory"},
      {{"--shutdown-timeout=soon", "a.dll"}, "invalid --shutdown-timeout 'soon'"},
      {{"--shutdown-timeout=25h", "a.dll"}, "invalid --shutdown-timeout '25h'"},
      {{"--role=web", "a.dll"}, "invalid --role 'web'"},
      {{"--role=web=0", "a.dll"}, "invalid --role 'web=0'"},
      {{"--role=w b=1", "a.dll"}, "invalid --role"},
      {{"--role=primary=1", "a.dll"}, "'primary' is the role of process 0"},
      {{"--role=a=1", "--role=a=2", "a.dll"}, "role 'a' is given twice"},
      {{"--workers=1", "--role=worker=1", "a.dll"}, "given by both"},
      {{"--role=a=1000", "--role=b=100", "a.dll"}, "too many workers"},
      {{"--listen=8080", "--listen=8080", "a.dll"}, "--listen 8080 is given twice"},
      {{"--listen=8080=web", "a.dll"}, "no process has the role 'web'"},
      {{"--listen=http", "a.dll"}, "invalid --listen 'http'"},
      {{"--ready-timeout=2h", "a.dll"}, "invalid --ready-timeout '2h'"},
  };
  for (const BadCase& c : cases) {
    Parsed p = Parse(c.args);
    EXPECT_EQ(p.outcome, ParseOutcome::kError) << c.message;
    EXPECT_NE(p.error.find(c.message), std::string::npos) << "got: " << p.error;
    EXPECT_EQ(p.error.find('\n'), std::string::npos) << "one line: " << p.error;
  }
}

TEST(ParseSize, BinaryUnits) {
  EXPECT_EQ(ParseSize("1048576"), 1048576u);
  EXPECT_EQ(ParseSize("512k"), 512ull << 10);
  EXPECT_EQ(ParseSize("64g"), 64ull << 30);
  EXPECT_EQ(ParseSize("64G"), 64ull << 30);
  EXPECT_EQ(ParseSize("64GB"), 64ull << 30);
  EXPECT_EQ(ParseSize("2GiB"), 2ull << 30);
  EXPECT_EQ(ParseSize("1t"), 1ull << 40);
  EXPECT_EQ(ParseSize("100b"), 100u);
  for (const char* bad : {"", "g", "1x", "1.5g", "-1g", "1gg", "1 g", "18446744073709551616", "20000000p"}) {
    EXPECT_FALSE(ParseSize(bad).has_value()) << bad;
  }
}

TEST(ParseDuration, Units) {
  EXPECT_EQ(ParseDuration("10"), 10000u);
  EXPECT_EQ(ParseDuration("10s"), 10000u);
  EXPECT_EQ(ParseDuration("250ms"), 250u);
  EXPECT_EQ(ParseDuration("2m"), 120000u);
  EXPECT_EQ(ParseDuration("1h"), 3600000u);
  EXPECT_EQ(ParseDuration("0"), 0u);
  for (const char* bad : {"", "s", "1d", "1.5s", "-1s", "ms"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

TEST(Defaults, UsableCores_AreTheFewestOfOnlineAffinityAndTheCgroupQuota) {
  EXPECT_EQ(UsableCores(8, 0, ""), 8u);
  EXPECT_EQ(UsableCores(8, 3, ""), 3u) << "taskset";
  EXPECT_EQ(UsableCores(8, 8, "max 100000"), 8u) << "no quota";
  EXPECT_EQ(UsableCores(64, 64, "200000 100000\n"), 2u) << "docker --cpus=2";
  EXPECT_EQ(UsableCores(64, 64, "150000 100000"), 2u) << "1.5 CPUs round up, as .NET does";
  EXPECT_EQ(UsableCores(64, 64, "10000 100000"), 1u) << "never less than one";
  EXPECT_EQ(UsableCores(4, 4, "garbage"), 4u);
  EXPECT_EQ(UsableCores(0, 0, ""), 1u);
}

TEST(Defaults, ComeFromTheMachine) {
  EXPECT_GE(DefaultWorkerCount(), 1u);
  EXPECT_GE(DefaultRegionSize(), 1ull << 30);
  EXPECT_EQ(DefaultRegionSize() % (1ull << 30), 0u);
}

}  // namespace
}  // namespace dw::host
