#include "process_start.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "dotnet_workers/dw.h"
#include "launcher_api.h"
#include "runtime_defaults.h"
#include "version.h"

extern char** environ;

namespace dw::host {
namespace {

// Everything the child needs, built before fork so that the child itself only makes
// async-signal-safe calls until it execs or boots the runtime (the launcher may have a
// second thread, see CountThreads; then malloc's lock could be held at fork).
struct ChildPlan {
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  std::vector<const char*> argv;  // --spawn and NativeAOT apps only
  size_t region_env = 0;          // index of DOTNET_WORKERS_REGION in env_strings
  size_t pid_digits = 0;          // where the 10 pid digits start in that string
  // --listen: the sockets it inherits at kFirstListenFd.., the launcher's others, and
  // where LISTEN_PID's value goes (exact digits: servers compare it as a string).
  std::vector<int> listen_fds;
  std::vector<int> listen_moved;  // as many slots, filled in the child
  std::vector<int> all_listen_fds;
  // Variables whose value is the child's own pid in exact digits (LISTEN_PID,
  // SYSTEMD_EXEC_PID: servers compare them as strings); 10 characters reserved each.
  std::vector<size_t> own_pid_envs;
  bool exec_launcher = false;  // argv runs the launcher again (--spawn, the dashboard), not a NativeAOT app
};

constexpr std::string_view kPidField = "pid=";
constexpr std::string_view kListenPid = "LISTEN_PID";
constexpr std::string_view kExecPid = "SYSTEMD_EXEC_PID";
const std::string kOwnPid(10, ' ');  // a placeholder the child overwrites

bool Plan(const StartContext& context, const ProcessSpec& spec, ChildPlan* out, std::string* error) {
  ChildPlan& plan = *out;
  std::vector<std::string> listen_names;
  if (context.listeners != nullptr) {
    if (!context.listeners->SocketsFor(spec.id, spec.role, &plan.listen_fds, &listen_names, error)) return false;
    plan.all_listen_fds = context.listeners->AllFds();
    plan.listen_moved.resize(plan.listen_fds.size());
  }
  std::vector<std::pair<std::string, std::string>> ours = {
      {"DOTNET_WORKERS_ID", std::to_string(spec.id)},
      {"DOTNET_WORKERS_COUNT", std::to_string(context.options->AppWorkerCount())},
      {"DOTNET_WORKERS_ROLE", spec.role},
      // How long a stopping process has before SIGKILL: the Generic Host integration drains within it.
      {"DOTNET_WORKERS_SHUTDOWN_TIMEOUT_MS", std::to_string(context.options->shutdown_timeout_ms)},
      // The library of another version refuses to bind (RegionMismatchException): one release at a time.
      {"DOTNET_WORKERS_VERSION", kVersion},
  };
  // The systemd conventions' variables are ours alone (the launcher's own, if systemd
  // started it, are meant for the launcher): set as each process needs them, else unset.
  const std::string systemd_vars[] = {"LISTEN_FDS", "LISTEN_FDNAMES", std::string(kListenPid), "NOTIFY_SOCKET",
                                      std::string(kExecPid)};
  if (!plan.listen_fds.empty()) {
    std::string names;
    for (const std::string& name : listen_names) names += (names.empty() ? "" : ":") + name;
    ours.emplace_back(systemd_vars[0], std::to_string(plan.listen_fds.size()));
    ours.emplace_back(systemd_vars[1], names);
    ours.emplace_back(systemd_vars[2], kOwnPid);
  }
  if (!context.options->data_dir.empty()) {
    ours.emplace_back("DOTNET_WORKERS_DATA_DIR", context.options->data_dir);
    ours.emplace_back("DOTNET_WORKERS_DATA_SYNC", context.options->data_sync_every_patch ? "patch" : "interval");
  }
  if (context.options->join) {
    ours.emplace_back("DOTNET_WORKERS_JOIN", context.options->join->Url());
    ours.emplace_back("DOTNET_WORKERS_JOIN_HOST", context.options->join_host_id);
    if (!context.options->join_password_file.empty()) {
      ours.emplace_back("DOTNET_WORKERS_JOIN_PASSWORD_FILE", context.options->join_password_file);
    }
  }
  const bool dashboard = spec.role == kDashboardRole && !context.options->dashboard_path.empty();
  if (dashboard) {
    ours.emplace_back("DOTNET_WORKERS_HTTP_TOKEN", context.options->http_token);
    ours.emplace_back("DOTNET_WORKERS_HTTP_WRITE", context.options->http_write ? "1" : "0");
  }
  if (context.readiness != nullptr) {
    ours.emplace_back(systemd_vars[3], context.readiness->address());
    ours.emplace_back(systemd_vars[4], kOwnPid);
  }
  for (auto& setting : RuntimeDefaults(context.options->WorkerCount() + 1, DefaultWorkerCount(), environ)) {
    ours.push_back(std::move(setting));
  }
  // The pid is patched in by the child: the descriptor's pid field is 10 digits wide. Last.
  ours.emplace_back(DW_REGION_ENV, FormatRegionDescriptor(context.region->Describe(0)));
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto named = [&](std::string_view name) {
      return entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=';
    };
    bool replaced = false;
    for (const auto& [name, value] : ours) replaced |= named(name);
    for (const std::string& name : systemd_vars) replaced |= named(name);
    // Set above for the processes they are for, never inherited: the dashboard's token must not
    // reach the app, nor a data directory or a --join the launcher was not given.
    for (std::string_view name : {"DOTNET_WORKERS_HTTP_TOKEN", "DOTNET_WORKERS_HTTP_WRITE", "DOTNET_WORKERS_DATA_DIR",
                                  "DOTNET_WORKERS_DATA_SYNC", "DOTNET_WORKERS_JOIN", "DOTNET_WORKERS_JOIN_HOST",
                                  "DOTNET_WORKERS_JOIN_PASSWORD_FILE"}) {
      replaced |= named(name);
    }
    if (!replaced) plan.env_strings.emplace_back(entry);
  }
  for (const auto& [name, value] : ours) {
    if (value == kOwnPid) plan.own_pid_envs.push_back(plan.env_strings.size());
    plan.env_strings.push_back(name + "=" + value);
  }
  plan.region_env = plan.env_strings.size() - 1;
  plan.pid_digits = plan.env_strings[plan.region_env].find(kPidField) + kPidField.size();
  for (std::string& s : plan.env_strings) plan.envp.push_back(s.data());
  plan.envp.push_back(nullptr);

  if (dashboard) {
    // Ours, not the app: booted by the launcher exec'd again, as --spawn boots an app.
    plan.argv = {"dotnet-workers", kSpawnedChildFlag, context.options->dashboard_path.c_str()};
    plan.exec_launcher = true;
  } else if (context.options->native_app) {
    plan.argv = {context.options->app_path.c_str()};
  } else if (context.options->spawn) {
    plan.argv = {"dotnet-workers", kSpawnedChildFlag, context.options->app_path.c_str()};
    plan.exec_launcher = true;
  }
  if (!plan.argv.empty()) {
    if (!dashboard) {
      for (const std::string& a : context.options->app_args) plan.argv.push_back(a.c_str());
    }
    plan.argv.push_back(nullptr);
  }
  return true;
}

void WriteDecimal10(char* out, uint32_t value) {
  for (int i = 9; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

[[noreturn]] void ChildFail(const char* what) {
  // write(2) only: async-signal-safe.
  const char prefix[] = "dotnet-workers: error: ";
  (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
  (void)!write(STDERR_FILENO, what, std::strlen(what));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

// --output=prefix, in the child: its own pipes become stdout and stderr; every other pipe
// end the launcher holds is closed (a kept copy would hold another process's pipe open).
void TakeOutputPipes(const ChildOutput& output, const std::vector<int>& launcher_fds) {
  for (int fd : launcher_fds) close(fd);
  if (dup2(output.stdout_fd, STDOUT_FILENO) < 0 || dup2(output.stderr_fd, STDERR_FILENO) < 0) {
    ChildFail("cannot redirect the output to the launcher (--output=prefix)");
  }
  close(output.stdout_fd);
  close(output.stderr_fd);
}

// --listen, in the child: its sockets go to kFirstListenFd.. (in the order of
// LISTEN_FDNAMES) and every other listening descriptor of the launcher is closed. Copies
// above the range first: a socket may sit where another one must go.
void TakeListenSockets(ChildPlan& plan) {
  const size_t count = plan.listen_fds.size();
  for (size_t i = 0; i < count; ++i) {
    plan.listen_moved[i] = fcntl(plan.listen_fds[i], F_DUPFD_CLOEXEC, kFirstListenFd + static_cast<int>(count));
    if (plan.listen_moved[i] < 0) ChildFail("cannot take the listening sockets (--listen)");
  }
  for (int fd : plan.all_listen_fds) close(fd);
  for (size_t i = 0; i < count; ++i) {
    if (dup2(plan.listen_moved[i], kFirstListenFd + static_cast<int>(i)) < 0) {
      ChildFail("cannot take the listening sockets (--listen)");
    }
    close(plan.listen_moved[i]);
  }
}

// LISTEN_PID=<digits>, SYSTEMD_EXEC_PID=<digits>: written into the characters reserved, then cut short.
void WriteOwnPid(ChildPlan& plan, uint32_t pid) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid != 0);
  for (size_t index : plan.own_pid_envs) {
    std::string& entry = plan.env_strings[index];
    char* value = entry.data() + entry.find('=') + 1;
    for (int i = 0; i < n; ++i) value[i] = digits[n - 1 - i];
    value[n] = '\0';
  }
}

// Runs in the child between fork and the runtime (or exec).
[[noreturn]] void RunChild(const StartContext& context, const ProcessSpec& spec, ChildPlan& plan) {
  // Die with the launcher, even if it is SIGKILLed. If it died before prctl took effect
  // the parent is already someone else: stop here instead of running unsupervised.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != context.launcher_pid) _exit(1);

  close(context.signals->fd);
  if (context.readiness != nullptr) close(context.readiness->fd());  // the launcher's: fork mode never execs
  sigprocmask(SIG_SETMASK, &context.signals->original_mask, nullptr);

  const uint32_t pid = static_cast<uint32_t>(getpid());
  ProcessForked(context.region->process(spec.id), pid);
  WriteDecimal10(plan.env_strings[plan.region_env].data() + plan.pid_digits, pid);
  TakeListenSockets(plan);
  WriteOwnPid(plan, pid);

  // Like `dotnet`: stdin belongs to the primary; workers read end-of-file.
  if (spec.id != 0) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0) ChildFail("cannot redirect stdin to /dev/null");
    close(null);
  }

  if (plan.exec_launcher) {
    // The exec'd launcher maps the region from this fd; it sets FD_CLOEXEC again itself.
    // /proc/self/exe, not its path: the binary may have been replaced since we started.
    fcntl(context.region->fd(), F_SETFD, 0);
    execve("/proc/self/exe", const_cast<char* const*>(plan.argv.data()), plan.envp.data());
    ChildFail("cannot exec the launcher again");
  }
  if (context.options->native_app) {
    // The NativeAOT app's library maps the region from this fd when it binds (and sets
    // FD_CLOEXEC again itself).
    fcntl(context.region->fd(), F_SETFD, 0);
    execve(context.options->app_path.c_str(), const_cast<char* const*>(plan.argv.data()), plan.envp.data());
    ChildFail("cannot exec the app");
  }
  environ = plan.envp.data();  // fork mode: the launcher was single-threaded at fork
  std::exit(context.clr->RunApp());
}

}  // namespace

pid_t StartProcess(const StartContext& context, const ProcessSpec& spec, std::string* error) {
  ChildPlan plan;
  if (!Plan(context, spec, &plan, error)) return -1;
  ChildOutput output;
  std::vector<int> launcher_fds;
  if (context.output != nullptr) {
    if (!context.output->Open(spec.id, spec.role, &output, error)) return -1;
    launcher_fds = context.output->LauncherFds();  // before fork: the child only closes them
  }
  ProcessStarting(context.region->process(spec.id), spec.role);
  std::fflush(nullptr);  // or buffered launcher output would be printed by every child too
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("cannot start process ") + std::to_string(spec.id) + ": " + std::strerror(errno);
    if (context.output != nullptr) OutputPrefixer::CloseInLauncher(output);
    return -1;
  }
  if (pid == 0) {
    if (context.output != nullptr) TakeOutputPipes(output, launcher_fds);
    RunChild(context, spec, plan);
  }
  if (context.output != nullptr) OutputPrefixer::CloseInLauncher(output);
  ProcessForked(context.region->process(spec.id), static_cast<uint32_t>(pid));
  return pid;
}

uint32_t CountThreads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return static_cast<uint32_t>(std::strtoul(line.c_str() + 8, nullptr, 10));
  }
  return 0;
}

int RunSpawnedChild(const std::string& app_path, const std::vector<std::string>& app_args) {
  const char* text = std::getenv(DW_REGION_ENV);
  RegionDescriptor descriptor;
  if (text == nullptr || !ParseRegionDescriptor(text, &descriptor) ||
      descriptor.pid != static_cast<uint32_t>(getpid())) {
    std::fprintf(stderr, "dotnet-workers: error: %s is for the launcher's own use\n", kSpawnedChildFlag);
    return 2;
  }
  std::unique_ptr<Region> region;
  if (Region::MapDescriptor(descriptor, &region) != DW_OK) {
    std::fprintf(stderr, "dotnet-workers: error: %s\n", LastError());
    return 1;
  }
  region->Release();  // stays mapped for the runtime and the managed library
  return ClrBoot::ResolveAndRun(app_path, app_args);
}

}  // namespace dw::host
