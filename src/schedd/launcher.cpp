#include "schedd/launcher.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"

extern char** environ;

namespace frugal::schedd {

namespace fs = std::filesystem;

std::int64_t process_start_time(std::int64_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string s;
  if (!std::getline(f, s)) return 0;
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  // Fields after "(comm)" start at field 3 (state); starttime is field 22.
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3 && field == "Z") return 0;  // a zombie has ended
    if (i == 22) return std::stoll(field);
  }
  return 0;
}

PosixLauncher::PosixLauncher(std::string state_dir, std::string self) : dir_(std::move(state_dir)), self_(std::move(self)) {
  fs::create_directories(dir_ + "/jobs");
}

std::string PosixLauncher::log_path(std::int64_t id) const { return fmt::format("{}/jobs/{}/log", dir_, id); }

std::string PosixLauncher::attempt_file(const Job& j, const char* what) const {
  return fmt::format("{}/jobs/{}/a{}.{}", dir_, j.id, j.attempts, what);
}

Launched PosixLauncher::launch(const Job& j, const std::map<std::string, std::string>& extra) {
  fs::create_directories(fmt::format("{}/jobs/{}", dir_, j.id));
  const std::string lock = attempt_file(j, "lock");
  // Not O_CLOEXEC: the supervisor inherits it, and with it the lock. Only the scheduler thread
  // forks, so no other child can inherit it by accident.
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0600);
  if (fd < 0) throw Error(fmt::format("{}: cannot create ({})", lock, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error(fmt::format("{}: attempt {} of job {} is already running", lock, j.attempts, j.id));
  }
  std::vector<std::string> args = {self_, "sched", "supervise", "--lock-fd", std::to_string(fd), "--exit-file",
                                   attempt_file(j, "exit"), "--pid-file", attempt_file(j, "cmdpid"), "--log",
                                   log_path(j.id), "--error-file", attempt_file(j, "error"), "--attempt",
                                   std::to_string(j.attempts)};
  if (!j.spec.cwd.empty()) args.insert(args.end(), {"--cwd", j.spec.cwd});
  if (!j.spec.user.empty()) args.insert(args.end(), {"--user", j.spec.user});
  if (j.spec.max_memory_mib > 0) args.insert(args.end(), {"--max-memory-mib", std::to_string(j.spec.max_memory_mib)});
  args.push_back("--");
  args.insert(args.end(), j.spec.argv.begin(), j.spec.argv.end());
  // The environment: the daemon's, then the job's own, then the scheduler's (GPU) variables.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) env[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& [k, v] : j.spec.env) env[k] = v;
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  std::size_t bytes = 0;
  for (auto& a : args) argv.push_back(a.data()), bytes += a.size() + 1 + sizeof(char*);
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data()), bytes += e.size() + 1 + sizeof(char*);
  envp.push_back(nullptr);
  // The child reports a failed exec through a close-on-exec pipe: EOF means the supervisor runs,
  // an errno means it never will (and the job must fail now, not vanish and be requeued).
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(fd);
    throw Error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fd), ::close(report[0]), ::close(report[1]);
    throw Error(fmt::format("cannot start the job's supervisor: fork: {}", std::strerror(err)));
  }
  if (pid == 0) {
    ::execve(self_.c_str(), argv.data(), envp.data());
    const int err = errno;
    (void)!::write(report[1], &err, sizeof err);
    _exit(127);
  }
  ::close(fd);  // the child holds the lock now
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  while ((n = ::read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw Error(exec_failure(err, "the job", bytes));
  }
  Launched l{pid, 0};
  for (int i = 0; i < 100 && l.pid_start == 0; ++i) l.pid_start = process_start_time(pid);
  return l;
}

Probe PosixLauncher::probe(const Job& j) {
  const int fd = ::open(attempt_file(j, "lock").c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    if (held) return {Fate::kRunning, 0, ""};
  }
  std::ifstream exit(attempt_file(j, "exit"));
  int code = 0;
  if (exit >> code) {
    std::ifstream error(attempt_file(j, "error"));
    std::string reason;
    std::getline(error, reason);
    return {Fate::kExited, code, reason};
  }
  return {Fate::kVanished, 0, ""};
}

bool PosixLauncher::signal(const Job& j, int sig) {
  // The command's process group, when its start time still matches (no reused pid).
  std::ifstream f(attempt_file(j, "cmdpid"));
  std::int64_t pid = 0, start = 0;
  if (f >> pid >> start && pid > 0 && process_start_time(pid) == start) return ::kill(static_cast<pid_t>(-pid), sig) == 0;
  // Not started yet (or gone): the supervisor, if it is still the one launched.
  if (j.pid > 0 && j.pid_start > 0 && process_start_time(j.pid) == j.pid_start) {
    return ::kill(static_cast<pid_t>(j.pid), sig) == 0;
  }
  return false;
}

void PosixLauncher::reap() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

std::string exec_failure(int err, const std::string& what, std::size_t bytes) {
  const char* name = ::strerrorname_np(err);
  const std::string code = fmt::format("{} ({})", std::strerror(err), name ? name : "?");
  switch (err) {
    case E2BIG:
      return fmt::format("cannot start {}: {}: its command line and environment take {} bytes; this machine allows {} in "
                         "all and {} per argument or variable",
                         what, code, bytes, ::sysconf(_SC_ARG_MAX), 32 * ::sysconf(_SC_PAGESIZE));
    case ENOENT: return fmt::format("cannot start {}: {}: no such program (is it on the daemon's PATH?)", what, code);
    case EACCES: return fmt::format("cannot start {}: {}: not executable, or a folder on its path is not searchable", what, code);
    case ENOEXEC: return fmt::format("cannot start {}: {}: not a program this machine can run (no #! line?)", what, code);
    default: return fmt::format("cannot start {}: {}", what, code);
  }
}

namespace {
volatile sig_atomic_t g_command_pgid = 0;
volatile sig_atomic_t g_pending_signal = 0;  // arrived before the command's group existed
// Forwards to the command's process group; a signal that arrives before the group exists is kept
// and forwarded as soon as it does, so a stop sent while the job is starting is never lost (and
// never kills the supervisor, which would leave the command running unwatched).
void forward(int sig) {
  if (g_command_pgid > 0) {
    ::kill(-g_command_pgid, sig);
  } else {
    g_pending_signal = sig;
  }
}
constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT};
void write_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  (void)!::write(fd, text.data(), text.size());
  ::fsync(fd);
  ::close(fd);
  ::rename(tmp.c_str(), path.c_str());
}
}  // namespace

int supervise(const SuperviseArgs& a) {
  ::setsid();  // its own session: a daemon crash or a terminal hangup does not take the job down
  if (a.lock_fd >= 0) ::fcntl(a.lock_fd, F_SETFD, FD_CLOEXEC);  // the command does not need the lock
  const int log = ::open(a.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log >= 0) {
    const std::string head = fmt::format("--- attempt {} ---\n", a.attempt);
    (void)!::write(log, head.data(), head.size());
  }
  std::vector<std::string> args = a.argv;
  std::vector<char*> argv;
  std::size_t bytes = 0;
  for (auto& s : args) argv.push_back(s.data()), bytes += s.size() + 1 + sizeof(char*);
  argv.push_back(nullptr);
  for (char** e = environ; *e; ++e) bytes += std::strlen(*e) + 1 + sizeof(char*);
  // The command reports why it could not start through a close-on-exec pipe (EOF: it runs).
  int report[2] = {-1, -1};
  if (::pipe2(report, O_CLOEXEC) != 0) report[0] = report[1] = -1;
  auto fail_start = [&](int code, const std::string& why) {
    const std::string m = "frugal: " + why + "\n";
    (void)!::write(2, m.data(), m.size());
    if (report[1] >= 0) (void)!::write(report[1], why.data(), why.size());
    _exit(code);
  };
  // Handlers before the fork: the daemon may signal the supervisor from the moment it runs (the
  // command's pid file is written only once it has started).
  struct sigaction sa {};
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;  // the pid and exit files' writes must not fail with EINTR
  for (int s : kForwarded) ::sigaction(s, &sa, nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    write_atomic(a.error_file, fmt::format("cannot start the job: fork: {}\n", std::strerror(errno)));
    write_atomic(a.exit_file, "126\n");
    return 0;
  }
  if (child == 0) {
    // Until exec, a stop signal stops the child itself (exec would reset the handlers anyway).
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s : kForwarded) ::sigaction(s, &dfl, nullptr);
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    if (!a.user.empty()) {
      const passwd* pw = ::getpwnam(a.user.c_str());
      if (!pw || ::setgid(pw->pw_gid) != 0 || ::initgroups(a.user.c_str(), pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) {
        fail_start(126, fmt::format("cannot run as user {}: {}", a.user, pw ? std::strerror(errno) : "no such user"));
      }
      ::setenv("USER", pw->pw_name, 1);
      ::setenv("LOGNAME", pw->pw_name, 1);
      ::setenv("HOME", pw->pw_dir, 1);
    }
    if (!a.cwd.empty() && ::chdir(a.cwd.c_str()) != 0) {
      fail_start(126, fmt::format("cannot enter {}: {}", a.cwd, std::strerror(errno)));
    }
    if (a.max_memory_mib > 0) {
      const rlim_t bytes = static_cast<rlim_t>(a.max_memory_mib) << 20;
      const rlimit lim{bytes, bytes};
      ::setrlimit(RLIMIT_AS, &lim);
    }
    ::execvp(argv[0], argv.data());
    const int err = errno;
    fail_start(err == ENOENT ? 127 : 126, exec_failure(err, fmt::format("'{}'", argv[0]), bytes));
  }
  ::setpgid(child, child);  // also here, so the group exists before any signal is forwarded
  g_command_pgid = child;
  if (const int sig = g_pending_signal) ::kill(-child, sig);
  if (report[1] >= 0) ::close(report[1]);
  std::string why;
  if (report[0] >= 0) {
    char buf[1024];
    ssize_t n;
    while ((n = ::read(report[0], buf, sizeof buf)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      why.append(buf, static_cast<std::size_t>(n));
    }
    ::close(report[0]);
  }
  // Written before the exit file, so whoever sees the exit status also sees why.
  if (!why.empty()) write_atomic(a.error_file, why + "\n");
  std::int64_t start = 0;
  for (int i = 0; i < 1000 && start == 0; ++i) start = process_start_time(child);
  write_atomic(a.pid_file, fmt::format("{} {}\n", child, start));
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : 1;
  if (log >= 0) {
    const std::string tail = fmt::format("--- attempt {} ended: {} ---\n", a.attempt,
                                         code >= 0 ? fmt::format("exit {}", code) : fmt::format("signal {}", -code));
    (void)!::write(log, tail.data(), tail.size());
  }
  write_atomic(a.exit_file, fmt::format("{}\n", code));
  return 0;
}

}  // namespace frugal::schedd
