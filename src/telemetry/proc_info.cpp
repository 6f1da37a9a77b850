#include "telemetry/proc_info.h"

#include <pwd.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

namespace frugal::telemetry {

namespace {
constexpr std::size_t kMaxCommand = 200;
}

ProcessOwner lookup_process(unsigned pid, const std::string& proc_root) {
  ProcessOwner owner;
  const std::string dir = proc_root + "/" + std::to_string(pid);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return owner;
  // getpwuid_r: the agent's scrape thread and sampler may look names up concurrently.
  char buf[1024];
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(st.st_uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
    owner.user = found->pw_name;
  } else {
    owner.user = std::to_string(st.st_uid);
  }
  std::ifstream in(dir + "/cmdline", std::ios::binary);
  std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  for (char& c : cmd) {
    if (c == '\0') c = ' ';
  }
  if (cmd.size() > kMaxCommand) cmd.resize(kMaxCommand);
  std::string name;
  std::ifstream comm(dir + "/comm");
  std::getline(comm, name);
  if (!name.empty()) owner.name = name;
  if (cmd.empty()) cmd = name;  // kernel threads and zombies have no cmdline
  if (!cmd.empty()) owner.command = cmd;
  owner.workload = resolve_workload(pid, owner.user, proc_root);
  owner.start_time = process_start_time(pid, proc_root);
  return owner;
}

std::string process_start_time(unsigned pid, const std::string& proc_root) {
  std::ifstream in(proc_root + "/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  // The command (field 2) is parenthesised and may hold spaces: count fields after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::size_t pos = close + 1;
  for (int field = 3; field <= 22; ++field) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    const std::size_t end = line.find(' ', pos);
    if (field == 22) return line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (end == std::string::npos) return {};
    pos = end;
  }
  return {};
}

}  // namespace frugal::telemetry
