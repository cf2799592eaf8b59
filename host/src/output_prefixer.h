// --output=prefix: every process writes its stdout and stderr into pipes the launcher reads,
// and the launcher writes each whole line to its own stdout or stderr as "[w3 web] line".
// One writer (the single-threaded supervisor) and one write(2) per line: lines of different
// processes never interleave, and a line is never torn. The cost (see README): the app's
// output is not a terminal, and every line takes a trip through the launcher.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <poll.h>

namespace dw::host {

// The write ends a child puts on its stdout and stderr.
struct ChildOutput {
  int stdout_fd = -1;
  int stderr_fd = -1;
};

class OutputPrefixer {
 public:
  OutputPrefixer() = default;
  OutputPrefixer(const OutputPrefixer&) = delete;
  OutputPrefixer& operator=(const OutputPrefixer&) = delete;
  ~OutputPrefixer();

  // Pipes for process `id` with `role`, before it is forked. False with *error on failure.
  bool Open(uint32_t id, const std::string& role, ChildOutput* child, std::string* error);

  // After the fork, in the launcher: the child has its ends now.
  static void CloseInLauncher(const ChildOutput& child);

  // Every pipe end the launcher holds: a forked child closes them (it must not keep another
  // process's pipe open, or that pipe never reports its end).
  std::vector<int> LauncherFds() const;

  // Adds the read ends to poll.
  void AddTo(std::vector<pollfd>* fds) const;

  // Reads what is ready on `fd` (one poll result) and writes the whole lines it completes.
  void OnReady(int fd, short revents);

  // After the processes ended: reads what is left until every pipe reports its end, at most
  // `timeout_ms` (a process's own child may hold a pipe open); then flushes partial lines.
  void Drain(int timeout_ms);

 private:
  struct Stream {
    int fd = -1;
    int target = -1;  // STDOUT_FILENO or STDERR_FILENO
    std::string prefix;
    std::string pending;  // the start of a line not yet ended
  };

  void Emit(Stream& stream, const char* line, size_t length);
  void Close(Stream& stream);

  std::vector<Stream> streams_;
};

}  // namespace dw::host
