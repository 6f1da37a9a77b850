#include "schedd/job.h"

#include <fmt/format.h>

#include <cmath>

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

JobSpec spec_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("body: expected a JSON object");
  JobSpec s;
  for (const auto& [k, v] : j.items()) {
    auto want = [&](bool ok, const char* what) {
      if (!ok) throw Error(fmt::format("{}: expected {}", k, what));
    };
    if (k == "name") want(v.is_string(), "a string"), s.name = v.get<std::string>();
    else if (k == "argv") {
      want(v.is_array() && !v.empty(), "a non-empty array of strings");
      for (const auto& a : v) {
        want(a.is_string(), "a non-empty array of strings");
        s.argv.push_back(a.get<std::string>());
      }
    } else if (k == "env") {
      want(v.is_object(), "an object of strings");
      for (const auto& [ek, ev] : v.items()) {
        want(ev.is_string(), "an object of strings");
        s.env[ek] = ev.get<std::string>();
      }
    } else if (k == "cwd") want(v.is_string(), "a string"), s.cwd = v.get<std::string>();
    else if (k == "user") want(v.is_string(), "a user name"), s.user = v.get<std::string>();
    else if (k == "gpus") {
      want(v.is_number() && v.get<double>() >= 0 && std::isfinite(v.get<double>()), "a number >= 0");
      s.gpus = v.get<double>();
      if (s.gpus > 1 && std::floor(s.gpus) != s.gpus) throw Error("gpus: more than one GPU must be a whole number");
    } else if (k == "gpu_mem_mib") want(v.is_number_integer() && v.get<std::int64_t>() >= 0, "an integer >= 0"), s.gpu_mem_mib = v.get<std::int64_t>();
    else if (k == "mig") want(v.is_string(), "a MIG profile like 1g.10gb"), s.mig = v.get<std::string>();
    else if (k == "priority") want(v.is_number_integer(), "an integer"), s.priority = v.get<int>();
    else if (k == "preemptible") want(v.is_boolean(), "true or false"), s.preemptible = v.get<bool>();
    else if (k == "window") {
      want(v.is_string(), "HH:MM-HH:MM");
      s.window = v.get<std::string>();
      if (!s.window.empty()) parse_window(s.window);
    } else if (k == "window_finish") want(v.is_boolean(), "true or false"), s.window_finish = v.get<bool>();
    else if (k == "cron") {
      want(v.is_string(), "a 5-field cron schedule");
      s.cron = v.get<std::string>();
      if (!s.cron.empty()) Cron::parse(s.cron);
    } else if (k == "deadline") want(v.is_number_integer() && v.get<std::int64_t>() >= 0, "epoch seconds"), s.deadline = v.get<std::int64_t>();
    else if (k == "checkpoint_signal") want(v.is_number_integer() && v.get<int>() > 0 && v.get<int>() < 65, "a signal number"), s.checkpoint_signal = v.get<int>();
    else if (k == "grace_s") want(v.is_number() && v.get<double>() >= 0, "seconds >= 0"), s.grace_s = v.get<double>();
    else if (k == "requeue_on_crash") want(v.is_boolean(), "true or false"), s.requeue_on_crash = v.get<bool>();
    else if (k == "max_memory_mib") want(v.is_number_integer() && v.get<std::int64_t>() >= 0, "an integer >= 0"), s.max_memory_mib = v.get<std::int64_t>();
    else if (k == "max_runtime_s") want(v.is_number() && v.get<double>() >= 0, "seconds >= 0"), s.max_runtime_s = v.get<double>();
    else throw Error(fmt::format("{}: unknown field", k));
  }
  if (s.argv.empty()) throw Error("argv: required (the command to run)");
  if (!s.mig.empty() && s.gpus > 0) throw Error("mig: a MIG slice and gpus are exclusive");
  if (s.gpu_mem_mib > 0 && s.gpus >= 1) throw Error("gpu_mem_mib: only for a share of one GPU (gpus < 1)");
  return s;
}

nlohmann::json to_json(const Job& j) {
  nlohmann::json o = spec_to_json(j.spec);
  o["id"] = j.id;
  o["state"] = to_string(j.state);
  o["attempts"] = j.attempts;
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
