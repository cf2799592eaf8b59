#include "output_prefixer.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "launcher_api.h"

namespace dw::host {
namespace {

// A line longer than this is written in pieces of this size, each with the prefix.
constexpr size_t kMaxLine = 64 * 1024;

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the launcher's own output is gone (a closed pipe): nothing to do
    done += static_cast<size_t>(n);
  }
}

}  // namespace

OutputPrefixer::~OutputPrefixer() {
  for (Stream& s : streams_) Close(s);
}

bool OutputPrefixer::Open(uint32_t id, const std::string& role, ChildOutput* child, std::string* error) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("cannot create a pipe for process ") + std::to_string(id) + ": " + std::strerror(errno);
    return false;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    *error = std::string("cannot create a pipe for process ") + std::to_string(id) + ": " + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return false;
  }
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  const std::string prefix = "[w" + std::to_string(id) + " " + role + "] ";
  streams_.push_back({out[0], STDOUT_FILENO, prefix, {}});
  streams_.push_back({err[0], STDERR_FILENO, prefix, {}});
  *child = {out[1], err[1]};
  return true;
}

void OutputPrefixer::CloseInLauncher(const ChildOutput& child) {
  close(child.stdout_fd);
  close(child.stderr_fd);
}

std::vector<int> OutputPrefixer::LauncherFds() const {
  std::vector<int> fds;
  for (const Stream& s : streams_) {
    if (s.fd >= 0) fds.push_back(s.fd);
  }
  return fds;
}

void OutputPrefixer::AddTo(std::vector<pollfd>* fds) const {
  for (const Stream& s : streams_) {
    if (s.fd >= 0) fds->push_back({s.fd, POLLIN, 0});
  }
}

void OutputPrefixer::Emit(Stream& s, const char* line, size_t length) {
  std::string text;
  text.reserve(s.prefix.size() + length + 1);
  text.append(s.prefix).append(line, length).push_back('\n');
  WriteAll(s.target, text);  // one write: no other process's line lands inside it
}

void OutputPrefixer::Close(Stream& s) {
  if (s.fd < 0) return;
  if (!s.pending.empty()) Emit(s, s.pending.data(), s.pending.size());  // the last line had no newline
  s.pending.clear();
  close(s.fd);
  s.fd = -1;
}

void OutputPrefixer::OnReady(int fd, short revents) {
  for (Stream& s : streams_) {
    if (s.fd != fd) continue;
    // One read per poll round: a process that writes without pause must not keep the
    // supervisor from its signals, deaths and deadlines (the pipe holds the rest).
    char buffer[16 * 1024];
    ssize_t n;
    do {
      n = read(fd, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (revents & (POLLHUP | POLLERR)) Close(s);
      return;
    }
    if (n <= 0) {  // every writer has gone
      Close(s);
      return;
    }
    s.pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t newline; (newline = s.pending.find('\n', start)) != std::string::npos; start = newline + 1) {
      Emit(s, s.pending.data() + start, newline - start);
    }
    s.pending.erase(0, start);
    while (s.pending.size() >= kMaxLine) {
      Emit(s, s.pending.data(), kMaxLine);
      s.pending.erase(0, kMaxLine);
    }
    return;
  }
}

void OutputPrefixer::Drain(int timeout_ms) {
  const uint64_t until = MonotonicNs() + static_cast<uint64_t>(timeout_ms) * 1'000'000;
  for (;;) {
    std::vector<pollfd> fds;
    AddTo(&fds);
    if (fds.empty()) return;
    const uint64_t now = MonotonicNs();
    if (now >= until) break;
    if (poll(fds.data(), fds.size(), static_cast<int>((until - now) / 1'000'000) + 1) < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents != 0) OnReady(p.fd, p.revents);
    }
  }
  for (Stream& s : streams_) Close(s);
}

}  // namespace dw::host
