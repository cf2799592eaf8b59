#include "join_address.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "options.h"

namespace dw::host {
namespace {

TEST(JoinAddress, PlainTlsPortsAndIpv6_AreNormalized) {
  std::string error;
  std::optional<JoinAddress> a = ParseJoinAddress("redis://cache.internal/shop", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->host, "cache.internal");
  EXPECT_EQ(a->port, 6379);
  EXPECT_EQ(a->name, "shop");
  EXPECT_EQ(a->Url(), "redis://cache.internal:6379/shop");

  a = ParseJoinAddress("rediss://10.0.0.5:6380/shop-eu.1", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->Url(), "rediss://10.0.0.5:6380/shop-eu.1");

  a = ParseJoinAddress("redis://[::1]:7000/x", &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->Url(), "redis://[::1]:7000/x");
}

TEST(JoinAddress, BadUrls_AreOneLineThatSaysWhatToChange) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://h/n", "expected redis://HOST[:PORT]/NAME"},
      {"redis://h", "no cluster name"},
      {"redis://h/", "no cluster name"},
      {"redis:///n", "no host"},
      {"redis://h:0/n", "the port must be 1 to 65535"},
      {"redis://h:65536/n", "the port must be 1 to 65535"},
      {"redis://h:/n", "the port must be 1 to 65535"},
      {"redis://h:12x/n", "the port must be 1 to 65535"},
      {"redis://[::1/n", "closing ']'"},
      {"redis://h/bad/name", "the cluster name must be 1-31"},
      {"redis://h/this-name-is-far-too-long-for-a-key", "the cluster name must be 1-31"},
      {"redis://:secret@h/n", "DOTNET_WORKERS_REDIS_PASSWORD or --join-password-file"},
      {"redis://user:secret@h/n", "would show in `ps`"},
  };
  for (const auto& [text, expected] : cases) {
    std::string error;
    EXPECT_FALSE(ParseJoinAddress(text, &error)) << text;
    EXPECT_NE(error.find(expected), std::string::npos) << text << " -> " << error;
    EXPECT_NE(error.find(std::string("'") + text + "'"), std::string::npos) << "names what was given: " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(JoinAddress, Options_TakeTheUrlAndAPasswordFile_AndRefuseAFileWithoutJoin) {
  char path[] = "/tmp/dw-join-password-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "secret\n", 7), 7);
  close(fd);

  LauncherOptions options;
  std::string error;
  ASSERT_EQ(
      ParseOptions({"--join=redis://h:1/c", "--join-password-file", path, "a.dll"}, 2, 1ull << 30, &options, &error),
      ParseOutcome::kRun)
      << error;
  ASSERT_TRUE(options.join);
  EXPECT_EQ(options.join->Url(), "redis://h:1/c");
  EXPECT_EQ(options.join_password_file, path);

  // After the app too, as the cluster's other options.
  ASSERT_EQ(ParseOptions({"a.dll", "--join", "redis://h:1/c", "x"}, 2, 1ull << 30, &options, &error),
            ParseOutcome::kRun)
      << error;
  EXPECT_TRUE(options.join);
  EXPECT_EQ(options.app_args, std::vector<std::string>{"x"});

  EXPECT_EQ(ParseOptions({"--join-password-file", path, "a.dll"}, 2, 1ull << 30, &options, &error),
            ParseOutcome::kError);
  EXPECT_EQ(error, "--join-password-file needs --join");
  EXPECT_EQ(ParseOptions({"--join=redis://h/c", "--join-password-file=/nonexistent/p", "a.dll"}, 2, 1ull << 30,
                         &options, &error),
            ParseOutcome::kError);
  EXPECT_EQ(error, "--join-password-file /nonexistent/p: cannot read it");
  unlink(path);
}

TEST(JoinAddress, Reachable_WhenSomethingListens_RefusedOtherwise) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  JoinAddress join{false, "127.0.0.1", ntohs(address.sin_port), "c"};

  std::string error;
  EXPECT_TRUE(CheckJoinReachable(join, 2000, &error)) << error;

  close(listener);  // nothing listens on the port now
  EXPECT_FALSE(CheckJoinReachable(join, 2000, &error));
  EXPECT_EQ(error, "--join " + join.Url() +
                       ": cannot connect: Connection refused (is the Redis or Garnet server running there?)");

  join.host = "no-such-host.invalid";
  EXPECT_FALSE(CheckJoinReachable(join, 2000, &error));
  EXPECT_NE(error.find("cannot resolve 'no-such-host.invalid'"), std::string::npos) << error;
}

TEST(JoinAddress, HostInstanceIds_Differ) {
  EXPECT_NE(MakeHostInstanceId(), MakeHostInstanceId());
  EXPECT_NE(MakeHostInstanceId().find(":" + std::to_string(getpid()) + ":"), std::string::npos);
}

}  // namespace
}  // namespace dw::host
