#include "schedd/job.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/error.h"
#include "schedd/timing.h"

namespace frugal::schedd {

namespace {
constexpr const char* kStates[] = {"queued", "running", "stopping", "done", "failed", "cancelled", "cron"};
}

const char* to_string(State s) { return kStates[static_cast<int>(s)]; }

State state_from(const std::string& s) {
  for (int i = 0; i < 7; ++i) {
    if (s == kStates[i]) return static_cast<State>(i);
  }
  throw Error(fmt::format("unknown job state '{}'", s));
}

bool is_final(State s) { return s == State::kDone || s == State::kFailed || s == State::kCancelled; }

nlohmann::json spec_to_json(const JobSpec& s) {
  return {{"name", s.name},
          {"argv", s.argv},
          {"env", s.env},
          {"cwd", s.cwd},
          {"user", s.user},
          {"gpus", s.gpus},
          {"gpu_mem_mib", s.gpu_mem_mib},
          {"mig", s.mig},
          {"priority", s.priority},
          {"preemptible", s.preemptible},
          {"window", s.window},
          {"window_finish", s.window_finish},
          {"cron", s.cron},
          {"deadline", s.deadline},
          {"checkpoint_signal", s.checkpoint_signal},
          {"grace_s", s.grace_s},
          {"requeue_on_crash", s.requeue_on_crash},
          {"max_memory_mib", s.max_memory_mib},
          {"max_runtime_s", s.max_runtime_s}};
}

namespace {
// The kernel's limit on one argument or environment string (MAX_ARG_STRLEN, 32 pages, counting the
// terminating NUL): a longer one makes execve fail with E2BIG, so it is refused at submit time.
constexpr std::size_t kMaxExecString = 32 * 4096 - 1;
constexpr std::size_t kMaxPath = 4095;      // PATH_MAX less its NUL
constexpr std::size_t kMaxUserName = 255;   // LOGIN_NAME_MAX is far less on Linux; a bound, not a rule
constexpr std::size_t kMaxShortField = 256; // MIG profiles, windows, cron lines

// An integer in [lo, hi], checked before any narrowing (a JSON number may not fit int64 at all).
bool integer_in(const nlohmann::json& v, std::int64_t lo, std::int64_t hi) {
  if (v.is_number_unsigned()) return hi >= 0 && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi) && lo <= static_cast<std::int64_t>(v.get<std::uint64_t>());
  return v.is_number_integer() && v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi;
}
}  // namespace

JobSpec spec_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("body: expected a JSON object");
  JobSpec s;
  constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
  for (const auto& item : j.items()) {
    // Named copies, not structured bindings: clang before 16 cannot capture bindings in lambdas.
    const std::string& k = item.key();
    const nlohmann::json& v = item.value();
    auto want = [&](bool ok, const char* what) {
      if (!ok) throw Error(fmt::format("{}: expected {}", k, what));
    };
    // Strings reach execve and the filesystem as C strings: a NUL would cut them silently.
    auto text = [&](const nlohmann::json& t, const char* what, std::size_t max_bytes = kMaxExecString) {
      want(t.is_string(), what);
      const auto& str = t.get_ref<const std::string&>();
      if (str.find('\0') != std::string::npos) throw Error(fmt::format("{}: a NUL byte is not allowed in {}", k, what));
      if (str.size() > max_bytes) throw Error(fmt::format("{}: {} bytes is more than the {} an exec argument may have", k, str.size(), max_bytes));
      return str;
    };
    if (k == "name") s.name = text(v, "a string");
    else if (k == "argv") {
      want(v.is_array() && !v.empty(), "a non-empty array of strings");
      for (const auto& a : v) s.argv.push_back(text(a, "a non-empty array of strings"));
    } else if (k == "env") {
      want(v.is_object(), "an object of strings");
      for (const auto& [ek, ev] : v.items()) {
        if (ek.empty() || ek.size() >= kMaxExecString || ek.find('=') != std::string::npos || ek.find('\0') != std::string::npos) {
          throw Error(fmt::format("env: '{}' is not a variable name (non-empty, no '=' or NUL)", escape_control(ek)));
        }
        s.env[ek] = text(ev, "an object of strings", kMaxExecString - ek.size() - 1);
      }
    } else if (k == "cwd") s.cwd = text(v, "a string", kMaxPath);
    else if (k == "user") s.user = text(v, "a user name", kMaxUserName);
    else if (k == "gpus") {
      want(v.is_number() && v.get<double>() >= 0 && std::isfinite(v.get<double>()), "a number >= 0");
      s.gpus = v.get<double>();
      if (s.gpus > 1 && std::floor(s.gpus) != s.gpus) throw Error("gpus: more than one GPU must be a whole number");
    } else if (k == "gpu_mem_mib") want(integer_in(v, 0, kInt64Max), "an integer >= 0"), s.gpu_mem_mib = v.get<std::int64_t>();
    else if (k == "mig") s.mig = text(v, "a MIG profile like 1g.10gb", kMaxShortField);
    else if (k == "priority") {
      want(integer_in(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()),
           "an integer from -2147483648 to 2147483647");
      s.priority = static_cast<int>(v.get<std::int64_t>());
    } else if (k == "preemptible") want(v.is_boolean(), "true or false"), s.preemptible = v.get<bool>();
    else if (k == "window") {
      s.window = text(v, "HH:MM-HH:MM", kMaxShortField);
      if (!s.window.empty()) parse_window(s.window);
    } else if (k == "window_finish") want(v.is_boolean(), "true or false"), s.window_finish = v.get<bool>();
    else if (k == "cron") {
      s.cron = text(v, "a 5-field cron schedule", kMaxShortField);
      if (!s.cron.empty()) Cron::parse(s.cron);
    } else if (k == "deadline") want(integer_in(v, 0, kInt64Max), "epoch seconds"), s.deadline = v.get<std::int64_t>();
    else if (k == "checkpoint_signal") {
      want(integer_in(v, 1, 64), "a signal number from 1 to 64");
      s.checkpoint_signal = static_cast<int>(v.get<std::int64_t>());
    } else if (k == "grace_s") want(v.is_number() && v.get<double>() >= 0 && std::isfinite(v.get<double>()), "seconds >= 0"), s.grace_s = v.get<double>();
    else if (k == "requeue_on_crash") want(v.is_boolean(), "true or false"), s.requeue_on_crash = v.get<bool>();
    else if (k == "max_memory_mib") want(integer_in(v, 0, kInt64Max), "an integer >= 0"), s.max_memory_mib = v.get<std::int64_t>();
    else if (k == "max_runtime_s") want(v.is_number() && v.get<double>() >= 0 && std::isfinite(v.get<double>()), "seconds >= 0"), s.max_runtime_s = v.get<double>();
    else throw Error(fmt::format("{}: unknown field", escape_control(k)));
  }
  if (s.argv.empty()) throw Error("argv: required (the command to run)");
  if (!s.mig.empty() && s.gpus > 0) throw Error("mig: a MIG slice and gpus are exclusive");
  if (s.gpu_mem_mib > 0 && s.gpus >= 1) throw Error("gpu_mem_mib: only for a share of one GPU (gpus < 1)");
  return s;
}

nlohmann::json to_json(const Job& j) {
  nlohmann::json o = spec_to_json(j.spec);
  // Environment values are often secrets (API keys, tokens): only their names leave the daemon.
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [name, value] : j.spec.env) names.push_back(name);
  o.erase("env");
  o["env_names"] = names;
  o["id"] = j.id;
  o["state"] = to_string(j.state);
  o["attempts"] = j.attempts;
  o["crashes"] = j.crashes;
  o["not_before"] = j.not_before;
  o["stop_reason"] = j.stop_reason;
  o["pid"] = j.pid;
  o["gpu_indices"] = j.gpu_indices;
  o["devices"] = j.devices;
  o["exit_code"] = j.exit_code;
  o["submitted"] = j.submitted;
  o["started"] = j.started;
  o["finished"] = j.finished;
  o["next_fire"] = j.next_fire;
  o["parent"] = j.parent;
  o["note"] = j.note;
  return o;
}

}  // namespace frugal::schedd
