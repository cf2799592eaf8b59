#include "options.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include "dotnet_workers/region_layout.h"
#include "launcher_api.h"

namespace dw::host {
namespace {

static_assert(kMaxProcesses == layout::kProcessCapacity);

std::optional<uint64_t> ParseUnsigned(std::string_view text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string Lower(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Splits "--name=value" into name and value; returns false if there is no '='.
bool SplitInline(std::string_view arg, std::string_view* name, std::string_view* value) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) return false;
  *name = arg.substr(0, eq);
  *value = arg.substr(eq + 1);
  return true;
}

bool TakesValue(std::string_view name) {
  return name == "--workers" || name == "--memory" || name == "--shutdown-timeout" || name == "--role" ||
         name == "--on-worker-exit" || name == "--max-restarts" || name == "--restart-window" || name == "--timeout" ||
         name == "--max-memory" || name == "--name" || name == "--output" || name == "--restart-delay" ||
         name == "--listen" || name == "--ready-timeout" || name == "--data-dir" || name == "--data-sync" ||
         name == "--http" || name == "--http-token" || name == "--http-token-file" || name == "--join" ||
         name == "--join-password-file";
}

// 127.0.0.0/8, ::1 and localhost: an address only this machine reaches.
// A literal address, not a name that starts like one ("127.0.0.1.example.com" resolves anywhere).
bool IsLoopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  return inet_pton(AF_INET, std::string(host).c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

// --http-token-file: the file's first line, without its line end or trailing blanks.
std::optional<std::string> ReadToken(std::string_view path, std::string* error) {
  std::ifstream file{std::string(path)};
  std::string line;
  if (!file || !std::getline(file, line)) {
    *error = "--http-token-file " + std::string(path) + ": cannot read a token from it";
    return std::nullopt;
  }
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line;
}

}  // namespace

uint32_t LauncherOptions::WorkerCount() const {
  uint32_t total = 0;
  for (const RoleCount& r : roles) total += r.count;
  return total;
}

uint32_t LauncherOptions::AppWorkerCount() const {
  uint32_t total = 0;
  for (const RoleCount& r : roles) total += r.name == kDashboardRole ? 0 : r.count;
  return total;
}

std::optional<uint64_t> ParseSize(std::string_view text) {
  std::string s = Lower(text);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  std::optional<uint64_t> number = ParseUnsigned(std::string_view(s).substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view unit = std::string_view(s).substr(digits);
  int shift = 0;
  if (!unit.empty() && unit != "b") {
    std::string_view rest = unit.substr(1);
    if (!(rest.empty() || rest == "b" || rest == "ib")) return std::nullopt;
    switch (unit.front()) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      case 'p': shift = 50; break;
      default: return std::nullopt;
    }
  }
  if (*number > (std::numeric_limits<uint64_t>::max() >> shift)) return std::nullopt;
  return *number << shift;
}

std::optional<uint64_t> ParseDuration(std::string_view text) {
  std::string s = Lower(text);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  std::optional<uint64_t> number = ParseUnsigned(std::string_view(s).substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view unit = std::string_view(s).substr(digits);
  uint64_t scale;
  if (unit == "ms")
    scale = 1;
  else if (unit.empty() || unit == "s")
    scale = 1000;
  else if (unit == "m" || unit == "min")
    scale = 60 * 1000;
  else if (unit == "h")
    scale = 3600 * 1000;
  else
    return std::nullopt;
  if (*number > std::numeric_limits<uint64_t>::max() / scale) return std::nullopt;
  return *number * scale;
}

std::string FormatDuration(uint64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

uint32_t UsableCores(uint32_t online, uint32_t affinity, std::string_view cpu_max) {
  uint32_t cores = online < 1 ? 1 : online;
  if (affinity >= 1 && affinity < cores) cores = affinity;
  size_t space = cpu_max.find(' ');
  if (space != std::string_view::npos) {
    std::optional<uint64_t> quota = ParseUnsigned(cpu_max.substr(0, space));
    std::string_view period_text = cpu_max.substr(space + 1);
    while (!period_text.empty() && std::isspace(static_cast<unsigned char>(period_text.back())))
      period_text.remove_suffix(1);
    std::optional<uint64_t> period = ParseUnsigned(period_text);
    if (quota && period && *period > 0) {
      const uint64_t limit = std::max<uint64_t>(1, (*quota + *period - 1) / *period);
      if (limit < cores) cores = static_cast<uint32_t>(limit);
    }
  }
  return cores;
}

uint32_t DefaultWorkerCount() {
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  CPU_ZERO(&set);
  const int affinity = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  std::string cpu_max;
  std::ifstream cgroup("/sys/fs/cgroup/cpu.max");
  std::getline(cgroup, cpu_max);
  const uint32_t cores =
      UsableCores(static_cast<uint32_t>(std::max<long>(online, 1)), static_cast<uint32_t>(affinity), cpu_max);
  return std::min<uint32_t>(cores, kMaxProcesses - 1);
}

uint64_t DefaultRegionSize() {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t size = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * page;
  // A container's memory limit is what touched pages can really use.
  std::ifstream cgroup("/sys/fs/cgroup/memory.max");
  std::string limit;
  if (cgroup >> limit) {
    if (std::optional<uint64_t> bytes = ParseUnsigned(limit); bytes && *bytes < size) size = *bytes;
  }
  const uint64_t gib = 1ull << 30;
  size = (size + gib - 1) / gib * gib;  // whole GiB: it is only reserved address space
  return std::max<uint64_t>(size, gib);
}

namespace {

// True for an argument that is one of the launcher's options that may follow the app (with
// its value or not): the cluster's shape and supervision, names no app would take for its
// own. Not the generic ones (--name, --timeout, --output, --verbose, --spawn, --help,
// --version): after the app, those stay the app's.
bool MayFollowTheApp(std::string_view arg) {
  std::string_view name = arg;
  std::string_view value;
  SplitInline(arg, &name, &value);
  return name == "--workers" || name == "--role" || name == "--listen" || name == "--memory" ||
         name == "--on-worker-exit" || name == "--shutdown-timeout" || name == "--ready-timeout" ||
         name == "--max-memory" || name == "--max-restarts" || name == "--restart-delay" ||
         name == "--restart-window" || name == "--data-dir" || name == "--data-sync" || name == "--http" ||
         name == "--http-token" || name == "--http-token-file" || name == "--http-write" || name == "--join" ||
         name == "--join-password-file";
}

// The arguments with the launcher's options that follow the app moved before it
// (`dotnet-workers app.dll --workers=8 --urls ...`: --workers is the launcher's, the rest
// the app's), up to the first argument that is not one of them; a `--` right after them
// ends them and is dropped (one with none before it is the app's, as it always was).
std::vector<std::string_view> OptionsFirst(const std::vector<std::string_view>& args) {
  // Where the app is: past the options before it (and the values given apart from them).
  size_t app = 0;
  while (app < args.size()) {
    std::string_view arg = args[app];
    if (arg == "--") return args;  // the app follows `--`: nothing after it is the launcher's
    if (arg.size() < 2 || arg.front() != '-') break;
    app += arg.find('=') == std::string_view::npos && TakesValue(arg) ? 2 : 1;
  }
  if (app >= args.size()) return args;  // no app: the parser says so

  std::vector<std::string_view> ordered(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(app));
  size_t next = app + 1;
  while (next < args.size() && MayFollowTheApp(args[next])) {
    const bool value_apart = args[next].find('=') == std::string_view::npos && TakesValue(args[next]);
    ordered.push_back(args[next++]);
    if (value_apart && next >= args.size()) return ordered;  // the parser says it needs a value
    if (value_apart) ordered.push_back(args[next++]);
  }
  if (next == app + 1) return args;  // nothing of the launcher's after the app
  if (next < args.size() && args[next] == "--") ++next;
  ordered.push_back("--");
  ordered.push_back(args[app]);
  ordered.insert(ordered.end(), args.begin() + static_cast<std::ptrdiff_t>(next), args.end());
  return ordered;
}

}  // namespace

ParseOutcome ParseOptions(const std::vector<std::string_view>& argv, uint32_t default_workers, uint64_t default_memory,
                          LauncherOptions* options, std::string* error) {
  const std::vector<std::string_view> args = OptionsFirst(argv);
  LauncherOptions result;
  std::optional<uint32_t> workers;
  std::optional<uint64_t> memory;
  std::vector<RoleCount> roles;
  bool restart_limit_given = false;

  size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg.front() != '-') break;  // the app
    if (arg == "-h" || arg == "--help" || arg == "-?") return ParseOutcome::kHelp;
    if (arg == "--version") return ParseOutcome::kVersion;
    if (arg == "--spawn") {
      result.spawn = true;
      continue;
    }
    if (arg == "--verbose") {
      result.verbose = true;
      continue;
    }
    if (arg == "--http-write") {
      result.http_write = true;
      continue;
    }

    std::string_view name = arg;
    std::string_view value;
    if (!SplitInline(arg, &name, &value)) {
      if (!TakesValue(arg)) {
        *error = "unknown option '" + std::string(arg) + "' (see dotnet-workers --help)";
        return ParseOutcome::kError;
      }
      if (i + 1 >= args.size()) {
        *error = "option '" + std::string(arg) + "' needs a value";
        return ParseOutcome::kError;
      }
      value = args[++i];
    } else if (!TakesValue(name)) {
      *error = "unknown option '" + std::string(name) + "' (see dotnet-workers --help)";
      return ParseOutcome::kError;
    }

    if (name == "--workers") {
      std::optional<uint64_t> n = ParseUnsigned(value);
      if (!n || *n < 1 || *n > kMaxProcesses - 1) {
        *error = "invalid --workers '" + std::string(value) + "': expected a whole number from 1 to " +
                 std::to_string(kMaxProcesses - 1);
        return ParseOutcome::kError;
      }
      workers = static_cast<uint32_t>(*n);
    } else if (name == "--memory") {
      memory = ParseSize(value);
      if (!memory || *memory < layout::kMinRegionSize) {
        *error =
            "invalid --memory '" + std::string(value) + "': expected a size of at least 16m, such as 512m, 64g or 1t";
        return ParseOutcome::kError;
      }
    } else if (name == "--shutdown-timeout") {
      std::optional<uint64_t> ms = ParseDuration(value);
      if (!ms || *ms > 24ull * 3600 * 1000) {
        *error = "invalid --shutdown-timeout '" + std::string(value) +
                 "': expected a duration such as 500ms, 10s or 2m (at most 24h)";
        return ParseOutcome::kError;
      }
      result.shutdown_timeout_ms = *ms;
    } else if (name == "--on-worker-exit") {
      if (value == "fail-all") {
        result.on_worker_exit = WorkerExit::kFailAll;
      } else if (value == "continue") {
        result.on_worker_exit = WorkerExit::kContinue;
      } else if (value == "revive") {
        result.on_worker_exit = WorkerExit::kRevive;
      } else {
        *error = "invalid --on-worker-exit '" + std::string(value) + "': expected fail-all, continue or revive";
        return ParseOutcome::kError;
      }
    } else if (name == "--output") {
      if (value != "inherit" && value != "prefix") {
        *error = "invalid --output '" + std::string(value) + "': expected inherit or prefix";
        return ParseOutcome::kError;
      }
      result.prefix_output = value == "prefix";
    } else if (name == "--listen") {
      std::optional<ListenSpec> spec = ParseListen(value, error);
      if (!spec) return ParseOutcome::kError;
      for (const ListenSpec& given : result.listens) {
        const bool same =
            spec->IsUnix() ? given.path == spec->path : given.port == spec->port && given.host == spec->host;
        if (same) {
          *error = "--listen " + spec->text + " is given twice";
          return ParseOutcome::kError;
        }
      }
      result.listens.push_back(std::move(*spec));
    } else if (name == "--data-dir") {
      if (value.empty()) {
        *error = "--data-dir needs a directory";
        return ParseOutcome::kError;
      }
      result.data_dir = std::string(value);
    } else if (name == "--data-sync") {
      if (value != "interval" && value != "patch") {
        *error = "invalid --data-sync '" + std::string(value) + "': expected interval (fsync within 100ms) or patch";
        return ParseOutcome::kError;
      }
      result.data_sync_every_patch = value == "patch";
      result.data_sync_given = true;
    } else if (name == "--http") {
      std::optional<ListenSpec> spec = ParseListen(value, error);
      if (!spec) return ParseOutcome::kError;
      if (spec->IsUnix() || !spec->role.empty()) {
        *error = "invalid --http '" + std::string(value) + "': expected [HOST:]PORT";
        return ParseOutcome::kError;
      }
      if (spec->host.empty()) spec->host = "127.0.0.1";
      spec->role = std::string(kDashboardRole);
      result.http = std::move(*spec);
    } else if (name == "--http-token" || name == "--http-token-file") {
      std::optional<std::string> token = name == "--http-token" ? std::string(value) : ReadToken(value, error);
      if (!token) return ParseOutcome::kError;
      if (token->size() < 16) {
        *error = std::string(name) + " must give a token of at least 16 characters";
        return ParseOutcome::kError;
      }
      result.http_token = std::move(*token);
    } else if (name == "--join") {
      std::optional<JoinAddress> join = ParseJoinAddress(value, error);
      if (!join) return ParseOutcome::kError;
      result.join = std::move(*join);
    } else if (name == "--join-password-file") {
      // Checked now, read by every process at bind: the password never crosses a command line.
      char* absolute = realpath(std::string(value).c_str(), nullptr);
      if (absolute == nullptr || access(absolute, R_OK) != 0) {
        std::free(absolute);
        *error = "--join-password-file " + std::string(value) + ": cannot read it";
        return ParseOutcome::kError;
      }
      result.join_password_file = absolute;
      std::free(absolute);
    } else if (name == "--name") {
      if (!IsValidRoleName(value)) {
        *error = "invalid --name '" + std::string(value) + "': expected 1-31 letters, digits, '_', '-' or '.'";
        return ParseOutcome::kError;
      }
      result.name = std::string(value);
    } else if (name == "--max-memory") {
      std::optional<uint64_t> bytes = ParseSize(value);
      if (!bytes || *bytes < (1ull << 20)) {
        *error =
            "invalid --max-memory '" + std::string(value) + "': expected a size of at least 1m, such as 512m or 2g";
        return ParseOutcome::kError;
      }
      result.max_memory_bytes = *bytes;
    } else if (name == "--max-restarts") {
      std::optional<uint64_t> n = ParseUnsigned(value);
      if (!n || *n > 1'000'000) {
        *error = "invalid --max-restarts '" + std::string(value) + "': expected a whole number from 0 to 1000000";
        return ParseOutcome::kError;
      }
      result.restart_limits.max_restarts = static_cast<uint32_t>(*n);
      restart_limit_given = true;
    } else if (name == "--restart-delay") {
      std::optional<uint64_t> ms = ParseDuration(value);
      if (!ms || *ms > 3600ull * 1000) {
        *error = "invalid --restart-delay '" + std::string(value) +
                 "': expected a duration from 0 to 1h, such as 0, 100ms or 2s";
        return ParseOutcome::kError;
      }
      result.restart_limits.first_delay_ms = *ms;
      result.restart_limits.max_delay_ms = std::max<uint64_t>(result.restart_limits.max_delay_ms, *ms);
      restart_limit_given = true;
    } else if (name == "--ready-timeout") {
      std::optional<uint64_t> ms = ParseDuration(value);
      if (!ms || *ms > 3600ull * 1000) {
        *error = "invalid --ready-timeout '" + std::string(value) +
                 "': expected a duration from 0 to 1h, such as 0, 500ms or 30s";
        return ParseOutcome::kError;
      }
      result.ready_timeout_ms = *ms;
    } else if (name == "--restart-window" || name == "--timeout") {
      std::optional<uint64_t> ms = ParseDuration(value);
      if (!ms || *ms == 0 || *ms > 365ull * 24 * 3600 * 1000) {
        *error = "invalid " + std::string(name) + " '" + std::string(value) +
                 "': expected a duration such as 500ms, 30s, 10m or 2h (more than 0)";
        return ParseOutcome::kError;
      }
      if (name == "--timeout") {
        result.timeout_ms = *ms;
      } else {
        result.restart_limits.window_ms = *ms;
        restart_limit_given = true;
      }
    } else if (name == "--role") {
      size_t eq = value.find('=');
      std::string_view role = value.substr(0, eq);
      std::optional<uint64_t> n = eq == std::string_view::npos ? std::nullopt : ParseUnsigned(value.substr(eq + 1));
      if (!n || *n < 1 || *n > kMaxProcesses - 1 || !IsValidRoleName(role)) {
        *error = "invalid --role '" + std::string(value) +
                 "': expected NAME=COUNT, NAME of 1-31 letters, digits, '_', '-' or '.', COUNT >= 1";
        return ParseOutcome::kError;
      }
      if (role == kPrimaryRole) {
        *error = "invalid --role '" + std::string(value) + "': 'primary' is the role of process 0";
        return ParseOutcome::kError;
      }
      for (const RoleCount& r : roles) {
        if (r.name == role) {
          *error = "role '" + std::string(role) + "' is given twice";
          return ParseOutcome::kError;
        }
      }
      roles.push_back({std::string(role), static_cast<uint32_t>(*n)});
    }
  }

  if (restart_limit_given && result.on_worker_exit != WorkerExit::kRevive) {
    *error = "--max-restarts, --restart-window and --restart-delay shape revives: they need --on-worker-exit=revive";
    return ParseOutcome::kError;
  }
  if (i >= args.size()) {
    *error = "missing the app to run: dotnet-workers [options] app.dll|app [app args]";
    return ParseOutcome::kError;
  }
  result.app_path = std::string(args[i]);
  for (++i; i < args.size(); ++i) result.app_args.emplace_back(args[i]);

  // --workers=N adds N plain workers; without --role or --workers, one per core.
  if (workers || roles.empty()) {
    result.roles.push_back({std::string(kDefaultWorkerRole), workers.value_or(default_workers)});
  }
  for (RoleCount& r : roles) {
    if (workers && r.name == kDefaultWorkerRole) {
      *error = "role 'worker' is given by both --workers and --role";
      return ParseOutcome::kError;
    }
    result.roles.push_back(std::move(r));
  }
  for (const RoleCount& r : result.roles) {
    if (r.name == kDashboardRole) {
      *error = "role 'dashboard' is the launcher's own (--http): choose another name";
      return ParseOutcome::kError;
    }
  }
  if (result.data_sync_given && result.data_dir.empty()) {
    *error = "--data-sync needs --data-dir";
    return ParseOutcome::kError;
  }
  if (result.http && result.http_token.empty()) {
    // The form that stays out of `ps` and /proc/PID/cmdline, as a secret should.
    const char* from_environment = std::getenv("DOTNET_WORKERS_HTTP_TOKEN");
    if (from_environment != nullptr && *from_environment != '\0') {
      if (std::string_view(from_environment).size() < 16) {
        *error = "DOTNET_WORKERS_HTTP_TOKEN must give a token of at least 16 characters";
        return ParseOutcome::kError;
      }
      result.http_token = from_environment;
    }
  }
  if (result.http) {
    if (!IsLoopback(result.http->host) && result.http_token.empty()) {
      *error = "--http " + result.http->text +
               " is reachable from other machines: give a token (--http-token-file, DOTNET_WORKERS_HTTP_TOKEN or "
               "--http-token), or bind 127.0.0.1";
      return ParseOutcome::kError;
    }
    for (const ListenSpec& given : result.listens) {
      if (given.IsUnix() || given.port != result.http->port) continue;
      const auto any = [](std::string_view host) { return host.empty() || host == "0.0.0.0" || host == "::"; };
      if (given.host == result.http->host || any(given.host) || any(result.http->host)) {
        *error = "--http " + result.http->text + " and --listen " + given.text + " are the same port";
        return ParseOutcome::kError;
      }
    }
    result.roles.push_back({std::string(kDashboardRole), 1});
    result.listens.push_back(*result.http);
  } else if (!result.http_token.empty() || result.http_write) {
    *error = std::string(result.http_write ? "--http-write" : "--http-token") + " needs --http";
    return ParseOutcome::kError;
  }
  if (!result.join_password_file.empty() && !result.join) {
    *error = "--join-password-file needs --join";
    return ParseOutcome::kError;
  }
  if (result.WorkerCount() > kMaxProcesses - 1) {
    *error =
        "too many workers (" + std::to_string(result.WorkerCount()) + "): at most " + std::to_string(kMaxProcesses - 1);
    return ParseOutcome::kError;
  }
  for (const ListenSpec& listen : result.listens) {
    bool known = listen.role.empty() || listen.role == kPrimaryRole;
    for (const RoleCount& r : result.roles) known |= r.name == listen.role;
    if (!known) {
      *error = "--listen " + listen.text + ": no process has the role '" + listen.role + "'";
      return ParseOutcome::kError;
    }
  }
  result.memory_bytes = memory.value_or(default_memory);
  *options = std::move(result);
  return ParseOutcome::kRun;
}

std::string HelpText() {
  return R"(Usage: dotnet-workers [options] <app.dll | app> [options] [--] [app arguments]

Runs a .NET app as a cluster: a primary process (id 0) and workers (ids 1..N), all
sharing one memory region. Every process runs the app's Main; the DotnetWorkers
library tells each who it is. The app is a framework-dependent app.dll (CoreCLR boots
in every process) or an executable published with PublishAot (every process execs it).
Arguments after the app are passed to it, but for the cluster's options (--workers, --role,
--listen, --memory, the supervision ones) right after it: dotnet-workers app.dll --workers=8
works too, and `--` after them ends them.

Options:
  --name <NAME>             What `dotnet-workers ps`, `top`, `stop` ... call this cluster
                            (default: the app's file name without .dll).
  --workers <N>             Start N workers with the role 'worker' (default: the number
                            of cores, unless --role is given). 1 to 1023.
  --role <NAME>=<N>         Start N workers with role NAME. Repeatable.
  --memory <SIZE>           Address space reserved for the shared region, such as 512m,
                            64g or 1t (default: the machine's memory). Only the pages the
                            cluster touches cost memory.
  --shutdown-timeout <DUR>  How long processes get to stop after shutdown is requested,
                            such as 500ms, 10s or 2m (default: 5s). Then they are killed.
  --on-worker-exit <WHAT>   When a worker dies or exits non-zero: fail-all (default) stops
                            the cluster; continue gives back what it held (locks, buffers,
                            GetOrSet computations) and runs on without it; revive gives
                            that back and starts it again (same id and role, a new pid)
                            after 100ms, x1.5 per death up to 15s (back to 100ms once it
                            lived 30s). A worker exiting with 0 has finished: not revived.
  --max-restarts <N>        With revive: more than N deaths of one worker within the
                            restart window stop the cluster (default: 10).
  --restart-window <DUR>    With revive: the window of --max-restarts (default: 60s).
  --restart-delay <DUR>     With revive: the first delay before a restart (default: 100ms;
                            0 restarts at once, every time).
  --max-memory <SIZE>       Restart a worker whose resident memory passes SIZE (checked
                            every second), gracefully: its ShutdownToken (SIGTERM if it
                            does not use the library), SIGKILL after the shutdown timeout
                            (pm2's max_memory_restart). Not the primary: it is the cluster's
                            lifetime.
  --timeout <DUR>           End the cluster after this long, as on SIGTERM, and exit 124
                            (as timeout(1) does), naming the processes still running.
  --listen <ADDRESS>        Bind ADDRESS once, before any process starts, and hand it to
                            every process by systemd's socket activation (LISTEN_FDS,
                            LISTEN_PID, LISTEN_FDNAMES, descriptors from 3 on): Kestrel with
                            UseSystemd() serves it from all of them. [HOST:]PORT (every
                            interface without HOST; [::1]:PORT for IPv6) gets one
                            SO_REUSEPORT socket per process, so connections spread evenly;
                            a path with a '/' is a Unix socket (it must not exist; removed
                            at exit). ADDRESS=ROLE gives it to that role's processes only.
                            Repeatable.
  --data-dir <DIR>          Keep the shared documents (Cluster.Documents) in DIR: a
                            snapshot and a journal of patches per document, each record
                            checksummed; a document not in the cluster is restored from
                            there when opened. Created if missing.
  --data-sync <WHEN>        interval (default): patches are fsync'ed within 100ms (a crash
                            of any process loses none; a power loss the last 100ms); patch:
                            each one before its patch call returns.
  --http <[HOST:]PORT>      Serve the dashboard and its JSON API (/api/workers, /api/store,
                            /api/documents, /api/queues, /api/locks) from one more process,
                            role 'dashboard' (127.0.0.1 unless HOST is given; revived if it
                            dies, whatever --on-worker-exit says).
  --http-token-file <PATH>  Require "Authorization: Bearer TOKEN" (or ?token=TOKEN) on every
                            request, TOKEN the file's first line (16 characters or more);
                            required when HOST is not a loopback address. Also from
                            DOTNET_WORKERS_HTTP_TOKEN, or --http-token TOKEN (which `ps` shows).
  --http-write              Allow PATCH /api/documents/NAME (a MongoDB update; else 403).
  --join <URL>              redis://HOST[:PORT]/NAME (rediss:// for TLS): one cluster with
                            the launchers of other machines that join NAME on that Redis
                            or Garnet server (Cluster.Hosts; the store is shared by all).
                            The password from DOTNET_WORKERS_REDIS_PASSWORD or
                            --join-password-file, never in the URL.
  --join-password-file <PATH>  The server's password: the file's first line.
  --ready-timeout <DUR>     How long a reload waits for a new process to say it is ready
                            (READY=1 to NOTIFY_SOCKET: the Generic Host's AddSystemd() does,
                            or Cluster.SignalReady()) before it stops the old one anyway
                            (default: 5s; 0 does not wait).
  --spawn                   Start every process by exec'ing the launcher again instead of
                            forking it (slower to boot; for debugging and profilers).
  --output <HOW>            inherit (default): every process writes to the launcher's
                            stdout and stderr, as `dotnet` does; prefix: each line goes
                            through the launcher as "[w3 web] line", whole lines only.
  --verbose                 After a start-up error's line, print what the .NET host said.
  --version                 Print the version and exit.
  -h, --help                Print this help and exit.

Running clusters (this user's; by --name or the launcher's pid; --json for scripts):
  dotnet-workers ps [CLUSTER]      list clusters, or one cluster's processes
  dotnet-workers top CLUSTER       the processes, live, until q
  dotnet-workers inspect CLUSTER   store keys, buffers, locks, queues, services
  dotnet-workers stop CLUSTER      shut it down gracefully
  dotnet-workers restart CLUSTER ID  restart one worker gracefully
  dotnet-workers reload CLUSTER    replace every worker (or --role ROLE) one at a time,
                                   each new one ready before its old one stops

Each process gets DOTNET_WORKERS_ID (0 = primary), DOTNET_WORKERS_COUNT (N) and
DOTNET_WORKERS_ROLE in its environment.

Exit code: the primary's. If a worker is killed by a signal or exits non-zero before
shutdown, every process is stopped and the exit code is 128+signal or the worker's code
(unless --on-worker-exit says otherwise). The primary ending ends the cluster, also with
revive. 124 after --timeout.
Ctrl-C or SIGTERM: graceful shutdown; a second Ctrl-C kills at once.
Usage errors exit with 2, start-up failures with 1.
)";
}

}  // namespace dw::host
