#include "listeners.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dw::host {
namespace {

ListenSpec Parsed(std::string_view text) {
  std::string error;
  std::optional<ListenSpec> spec = ParseListen(text, &error);
  EXPECT_TRUE(spec.has_value()) << text << ": " << error;
  return spec.value_or(ListenSpec{});
}

std::string Refused(std::string_view text) {
  std::string error;
  EXPECT_FALSE(ParseListen(text, &error).has_value()) << text;
  return error;
}

uint16_t PortOf(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return address.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

// A loopback port nobody listens on now.
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any);
  const uint16_t port = PortOf(fd);
  close(fd);
  return port;
}

TEST(ParseListen, PortsHostsIpv6AndPaths_EachWithAnOptionalRole) {
  ListenSpec port = Parsed("8080");
  EXPECT_EQ(port.port, 8080);
  EXPECT_EQ(port.host, "");
  EXPECT_EQ(port.FdName(), "8080");
  ListenSpec host = Parsed("127.0.0.1:9000=web");
  EXPECT_EQ(host.host, "127.0.0.1");
  EXPECT_EQ(host.port, 9000);
  EXPECT_EQ(host.role, "web");
  ListenSpec v6 = Parsed("[::1]:443");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 443);
  ListenSpec unix_socket = Parsed("/run/app/web.sock=api");
  EXPECT_TRUE(unix_socket.IsUnix());
  EXPECT_EQ(unix_socket.path, "/run/app/web.sock");
  EXPECT_EQ(unix_socket.role, "api");
  EXPECT_EQ(unix_socket.FdName(), "web.sock");
  EXPECT_EQ(Parsed("./app.sock").path, "./app.sock");
}

TEST(ParseListen, RefusesWhatIsNotAnAddress_SayingWhatIsExpected) {
  for (std::string_view bad : {"", "0", "65536", "http", "host:", ":80", "::1:80", "[::1]80", "[::1", "[]:80", "80x"}) {
    EXPECT_NE(Refused(bad).find("expected [HOST:]PORT"), std::string::npos) << bad;
  }
  EXPECT_NE(Refused("8080=").find("the role after '='"), std::string::npos);
  EXPECT_NE(Refused("8080=a b").find("the role after '='"), std::string::npos);
  EXPECT_NE(Refused("/" + std::string(200, 'x')).find("at most"), std::string::npos);
}

TEST(Listeners, OneSocketPerProcessId_AllOnThePort_KeptForTheIdUntilReleased) {
  const uint16_t port = FreePort();
  Listeners listeners;
  std::string error;
  ASSERT_TRUE(listeners.Open({Parsed("127.0.0.1:" + std::to_string(port))}, &error)) << error;
  std::vector<int> first, second, again;
  std::vector<std::string> names;
  ASSERT_TRUE(listeners.SocketsFor(1, "worker", &first, &names, &error)) << error;
  ASSERT_TRUE(listeners.SocketsFor(2, "worker", &second, &names, &error)) << error;
  ASSERT_TRUE(listeners.SocketsFor(1, "worker", &again, &names, &error)) << error;
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0], second[0]) << "a socket of its own per id (SO_REUSEPORT)";
  EXPECT_EQ(first, again) << "a revived process gets its predecessor's socket";
  EXPECT_EQ(PortOf(first[0]), port);
  EXPECT_EQ(PortOf(second[0]), port);
  EXPECT_EQ(names, std::vector<std::string>{std::to_string(port)});
  EXPECT_EQ(listeners.AllFds().size(), 2u);

  listeners.Release(1);
  EXPECT_EQ(listeners.AllFds(), second) << "released: closed";
}

TEST(Listeners, ARoleScopedAddress_GoesOnlyToThatRole_InTheOrderGiven) {
  const uint16_t port = FreePort();
  const std::string path = "/tmp/dw-listeners-test-" + std::to_string(getpid()) + ".sock";
  {
    Listeners listeners;
    std::string error;
    ASSERT_TRUE(listeners.Open({Parsed(std::to_string(port) + "=web"), Parsed(path)}, &error)) << error;
    std::vector<int> web, jobs, web2;
    std::vector<std::string> web_names, job_names;
    ASSERT_TRUE(listeners.SocketsFor(1, "web", &web, &web_names, &error)) << error;
    ASSERT_TRUE(listeners.SocketsFor(2, "jobs", &jobs, &job_names, &error)) << error;
    ASSERT_TRUE(listeners.SocketsFor(3, "web", &web2, &web_names, &error)) << error;
    EXPECT_EQ(web.size(), 2u);
    EXPECT_EQ(web_names, (std::vector<std::string>{std::to_string(port), path.substr(path.rfind('/') + 1)}));
    ASSERT_EQ(jobs.size(), 1u) << "only the Unix socket, which every role gets";
    EXPECT_EQ(jobs[0], web[1]) << "one Unix socket, shared";
    EXPECT_EQ(access(path.c_str(), F_OK), 0);
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "the socket file goes with the launcher";
}

TEST(Listeners, ATakenPort_OrAnExistingPath_IsRefusedAtOpen) {
  const uint16_t port = FreePort();
  int taken = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  std::string error;
  Listeners listeners;
  EXPECT_FALSE(listeners.Open({Parsed("127.0.0.1:" + std::to_string(port))}, &error));
  EXPECT_NE(error.find("Address already in use"), std::string::npos) << error;
  close(taken);

  Listeners second;
  EXPECT_FALSE(second.Open({Parsed("/tmp")}, &error));
  EXPECT_NE(error.find("/tmp exists"), std::string::npos) << error;
}

}  // namespace
}  // namespace dw::host
