#include "data_directory.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace dw::host {
namespace {

void SyncDirectory(const std::filesystem::path& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort, as for the documents' own files
  (void)fsync(fd);
  close(fd);
}

}  // namespace

int OpenDataDirectory(std::string* directory, std::string* error) {
  const std::string given = *directory;
  const std::filesystem::path path = std::filesystem::absolute(given).lexically_normal();
  std::error_code failed;
  const bool created = std::filesystem::create_directories(path, failed);
  if (failed || !std::filesystem::is_directory(path)) {
    *error = "--data-dir " + given + ": " + (failed ? failed.message() : std::string("not a directory"));
    return -1;
  }
  if (created) SyncDirectory(path.parent_path());
  if (access(path.c_str(), W_OK) != 0) {
    *error = "--data-dir " + given + ": not writable";
    return -1;
  }
  const std::string lock_path = (path / ".lock").string();
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "--data-dir " + given + ": cannot open " + lock_path + ": " + std::strerror(errno);
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    const ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
    close(fd);
    std::string pid(holder, n > 0 ? static_cast<size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    *error = "--data-dir " + given + " is in use by another cluster" +
             (pid.empty() ? std::string() : " (launcher pid " + pid + ")");
    return -1;
  }
  // Who holds it, for the next one's message (best effort: the lock is the flock, not this text).
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) (void)!pwrite(fd, pid.data(), pid.size(), 0);
  *directory = path.string();
  return fd;
}

}  // namespace dw::host
