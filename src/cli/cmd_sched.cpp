// `frugal sched serve` (the daemon), `frugal sched supervise` (internal: runs one attempt), and
// the client commands `frugal submit`, `jobs`, `show`, `logs`, `cancel`, which talk to the
// daemon's HTTP API.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/common.h"
#include "http/auth.h"
#include "cli/stop_signal.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/units.h"
#include "schedd/api.h"
#include "schedd/inventory.h"
#include "slurm/command.h"
#include "slurm/submit.h"
#include "schedd/launcher.h"
#include "schedd/mps.h"
#include "schedd/scheduler.h"
#include "schedd/store.h"
#include "telemetry/nvml.h"
#include "http/server.h"

namespace frugal::cli {
namespace {

std::string default_state_dir() {
  if (const char* d = std::getenv("FRUGAL_SCHED_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/frugal/sched";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/frugal/sched";
}

struct ServeOptions {
  std::string state_dir, listen = "127.0.0.1:9402", gpus, policy = "best-fit", token_file, interval = "250ms";
  std::string crash_backoff = "2s";
  int max_crash_requeues = schedd::SchedulerOptions{}.max_crash_requeues;
  bool mps = false;
};

void serve(const GlobalOptions& g, const ServeOptions& o) {
  const std::string dir = o.state_dir.empty() ? default_state_dir() : o.state_dir;
  // The state (job specs with their environments, logs, the token) is the daemon's user's alone:
  // the folder 0700 and the database 0600 (SQLite gives its -wal and -shm files the database's
  // mode). Not through umask, which the jobs would inherit.
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  // One daemon per state folder: a second one would record the first one's jobs as failed.
  const std::string lock_path = dir + "/daemon.lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) throw Error(fmt::format("{}: cannot open the daemon lock", lock_path));
  // The descriptor stays open (and locked) for the daemon's life; the kernel drops it at exit.
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    throw Error(fmt::format("--state-dir {}: another frugal sched serve is running on it ({} is locked)", dir, lock_path));
  }
  const auto [host, port] = http::parse_listen(o.listen);
  if (!http::is_loopback(host) && o.token_file.empty()) {
    throw Error(fmt::format("--listen {}: not a loopback address; pass --token-file to serve beyond this machine", o.listen));
  }
  const std::string token = http::load_or_create_token(o.token_file.empty() ? dir + "/token" : o.token_file);
  const std::string data_dir = resolve_data_dir(g.data_dir);
  schedd::Inventory inv;
  if (!o.gpus.empty()) {
    inv = schedd::declared_inventory(o.gpus, data_dir);
  } else {
    std::string why;
    auto nvml = telemetry::NvmlSource::open(&why);
    if (!nvml) throw Error(fmt::format("no GPUs to schedule: {}; declare some with --gpus 4xH100-80GB", why));
    inv = schedd::nvml_inventory(*nvml, data_dir);
  }
  const double interval = parse_duration(o.interval, "--interval");
  schedd::JobStore store(dir + "/jobs.db");
  for (const char* f : {"/jobs.db", "/jobs.db-wal", "/jobs.db-shm"}) {
    std::error_code ec;  // -wal/-shm exist only once written: absent is fine
    std::filesystem::permissions(dir + f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ec);
  }
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) throw Error("cannot find this executable (/proc/self/exe)");
  schedd::PosixLauncher launcher(dir, std::string(self, static_cast<std::size_t>(n)));
  schedd::SystemClock clock;
  schedd::NvidiaMpsControl mps;
  schedd::SchedulerOptions so;
  so.policy = o.policy;
  so.mps = o.mps ? &mps : nullptr;
  so.max_crash_requeues = o.max_crash_requeues;
  so.crash_backoff_s = parse_duration(o.crash_backoff, "--crash-backoff");
  schedd::Scheduler sched(store, launcher, clock, inv, so);
  // Recovery first: attempts of a previous daemon are re-adopted, recorded or requeued.
  const auto first = sched.tick();
  schedd::ApiServer api(sched, store, launcher, o.listen, token);
  std::cout << fmt::format("frugal sched: http://{}:{} ({} GPUs, {}), state in {}; {} running, {} queued after recovery\n", host,
                           api.port(), inv.gpus.size(), inv.source, dir, first.running, first.queued)
            << std::flush;
  auto& stop = stop_on_signals();
  while (sleep_unless_stopped(stop, interval)) sched.tick();
  std::cout << "frugal sched: stopped; running jobs keep running and are re-adopted at the next start\n";
}

// Client side.
struct ClientOptions {
  std::string server, token, state_dir;
};

std::string server_url(const ClientOptions& o) {
  if (!o.server.empty()) return o.server;
  const char* env = std::getenv("FRUGAL_SCHED_URL");
  return env && *env ? env : "http://127.0.0.1:9402";
}

struct Client {
  std::string url;
  httplib::Client http;
  std::string token;
  explicit Client(const ClientOptions& o) : url(server_url(o)), http(url) {
    token = o.token;
    if (token.empty() && std::getenv("FRUGAL_SCHED_TOKEN")) token = std::getenv("FRUGAL_SCHED_TOKEN");
    if (token.empty()) {
      std::ifstream f((o.state_dir.empty() ? default_state_dir() : o.state_dir) + "/token");
      f >> token;
    }
    http.set_connection_timeout(5);
    http.set_tcp_nodelay(true);
    http.set_read_timeout(60);
    // Every call carries the token: the daemon answers reads only to its token's holders too.
    http.set_default_headers({{"Authorization", "Bearer " + token}});
  }
  nlohmann::json check(const httplib::Result& r) {
    if (!r) throw Error(fmt::format("cannot reach the scheduler at {} ({}); is `frugal sched serve` running?", url, httplib::to_string(r.error())));
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status >= 400) {
      throw Error(fmt::format("scheduler: {} (HTTP {})", j.is_object() && j.contains("error") ? j["error"].get<std::string>() : r->body, r->status));
    }
    return j;
  }
};

void add_client_options(CLI::App* c, ClientOptions& o) {
  c->add_option("--server", o.server, "Scheduler URL (default $FRUGAL_SCHED_URL or http://127.0.0.1:9402)");
  c->add_option("--token", o.token, "API token (default $FRUGAL_SCHED_TOKEN or the daemon's token file)");
  c->add_option("--state-dir", o.state_dir, "The daemon's state folder, for its token file");
}

std::string gpus_text(const nlohmann::json& j) {
  if (!j["mig"].get<std::string>().empty()) return "mig " + j["mig"].get<std::string>();
  const double g = j["gpus"].get<double>();
  return g == 0 ? "-" : fmt::format("{:g}", g);
}

Table jobs_table(const nlohmann::json& a) {
  Table t;
  t.title = "Jobs";
  t.columns = {{"id", "id", true}, {"name", "name"}, {"state", "state"}, {"priority", "prio", true}, {"gpus", "gpus", true},
               {"devices", "on"}, {"attempts", "tries", true}, {"note", "note"}};
  for (const auto& j : a) {
    std::string on;
    for (const auto& d : j["gpu_indices"]) on += (on.empty() ? "gpu " : ",") + std::to_string(d.get<int>());
    t.rows.push_back({Cell(std::to_string(j["id"].get<long long>()), j["id"]), Cell(j["name"].get<std::string>()),
                      Cell(j["state"].get<std::string>()), Cell(std::to_string(j["priority"].get<int>()), j["priority"]),
                      Cell(gpus_text(j), j["gpus"]), Cell(on.empty() ? "-" : on), Cell(std::to_string(j["attempts"].get<int>()), j["attempts"]),
                      Cell(j["note"].get<std::string>())});
  }
  if (a.empty()) t.notes.push_back("no jobs");
  return t;
}

struct SubmitOptions {
  ClientOptions client;
  std::vector<std::string> argv, env;
  std::string name, gpu_mem, mig, window, cron, grace = "30s", signal = "TERM", cwd, user, max_memory, max_runtime;
  std::string backend = "frugal", partition, account, output;
  int shards_per_gpu = 0;
  double gpus = 0;
  int priority = 0;
  bool preemptible = false, window_finish = false, fail_on_crash = false;
};

int signal_number(const std::string& s) {
  static const std::map<std::string, int> names = {{"TERM", 15}, {"INT", 2}, {"HUP", 1}, {"USR1", 10}, {"USR2", 12}, {"QUIT", 3}};
  std::string n = s.rfind("SIG", 0) == 0 ? s.substr(3) : s;
  if (auto it = names.find(n); it != names.end()) return it->second;
  throw Error(fmt::format("--signal: expected TERM, INT, HUP, USR1, USR2 or QUIT, got '{}'", s));
}

// `--backend slurm`: the job goes to sbatch; the window becomes --begin and --time.
void submit_slurm(const GlobalOptions& g, const SubmitOptions& o) {
  if (!o.mig.empty() || !o.cron.empty() || !o.gpu_mem.empty() || o.preemptible || !o.user.empty() || !o.max_memory.empty()) {
    throw Error("--backend slurm: --mig, --cron, --gpu-mem, --preemptible, --user and --max-memory are the frugal "
                "scheduler's; ask Slurm directly (sbatch --gres=gpu:TYPE:N, scrontab, --mem) for those");
  }
  slurm::SbatchRequest r;
  r.command = o.argv;
  r.name = o.name.empty() ? std::filesystem::path(o.argv.empty() ? "" : o.argv[0]).filename().string() : o.name;
  r.gpus = o.gpus;
  r.shards_per_gpu = o.shards_per_gpu;
  if (!o.window.empty()) r.window = schedd::parse_window(o.window);
  r.partition = o.partition;
  r.account = o.account;
  r.output = o.output;
  slurm::SbatchPlan plan = slurm::plan_sbatch(r, std::time(nullptr));
  if (!o.cwd.empty()) plan.argv.insert(plan.argv.begin() + 2, "--chdir=" + o.cwd);
  for (const auto& kv : o.env) {
    if (kv.find('=') == std::string::npos || kv[0] == '=') throw Error(fmt::format("--env: expected KEY=VALUE, got '{}'", kv));
  }
  if (!o.env.empty()) {
    std::string exports = "--export=ALL";
    for (const auto& kv : o.env) exports += "," + kv;
    plan.argv.insert(plan.argv.begin() + 2, exports);
  }
  if (!o.max_runtime.empty()) {
    const int limit = static_cast<int>(std::ceil(parse_duration(o.max_runtime, "--max-runtime") / 60));
    if (plan.time_limit_min == 0 || limit < plan.time_limit_min) {
      std::erase_if(plan.argv, [](const std::string& a) { return a.rfind("--time=", 0) == 0; });
      plan.argv.insert(plan.argv.end() - 1, fmt::format("--time={}", limit));
      plan.time_limit_min = limit;
    }
  }
  slurm::ProcessRunner runner;
  const auto res = runner.run(plan.argv);
  if (res.status != 0) {
    throw Error(fmt::format("sbatch failed ({}): {}", res.status, res.err.empty() ? "could not run sbatch" : res.err));
  }
  std::string id = res.out.substr(0, res.out.find_first_of(";\n"));
  if (g.format == "json") {
    std::cout << nlohmann::json{{"slurm_job_id", id}, {"begin", plan.begin}, {"time_limit_min", plan.time_limit_min},
                                {"sbatch", plan.argv}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << fmt::format("submitted Slurm job {} (begins {}{})\n", id, plan.begin,
                           plan.time_limit_min > 0 ? fmt::format(", time limit {} min{}", plan.time_limit_min,
                                                                 o.window.empty() ? "" : ": it ends with the window")
                                                   : "");
}

void submit(const GlobalOptions& g, const SubmitOptions& o) {
  if (o.backend == "slurm") return submit_slurm(g, o);
  nlohmann::json spec = {{"argv", o.argv}, {"gpus", o.gpus}, {"priority", o.priority}, {"preemptible", o.preemptible},
                         {"window_finish", o.window_finish}, {"requeue_on_crash", !o.fail_on_crash},
                         {"grace_s", parse_duration(o.grace, "--grace")}, {"checkpoint_signal", signal_number(o.signal)}};
  spec["name"] = o.name.empty() ? std::filesystem::path(o.argv.empty() ? "" : o.argv[0]).filename().string() : o.name;
  if (!o.gpu_mem.empty()) spec["gpu_mem_mib"] = static_cast<std::int64_t>(parse_bytes(o.gpu_mem, "--gpu-mem") / (1 << 20));
  if (!o.max_memory.empty()) spec["max_memory_mib"] = static_cast<std::int64_t>(parse_bytes(o.max_memory, "--max-memory") / (1 << 20));
  if (!o.max_runtime.empty()) spec["max_runtime_s"] = parse_duration(o.max_runtime, "--max-runtime");
  if (!o.mig.empty()) spec["mig"] = o.mig;
  if (!o.window.empty()) spec["window"] = o.window;
  if (!o.cron.empty()) spec["cron"] = o.cron;
  spec["cwd"] = o.cwd.empty() ? std::filesystem::current_path().string() : o.cwd;
  if (!o.user.empty()) spec["user"] = o.user;
  nlohmann::json env = nlohmann::json::object();
  for (const auto& kv : o.env) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw Error(fmt::format("--env: expected KEY=VALUE, got '{}'", kv));
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  spec["env"] = env;
  Client c(o.client);
  const auto r = c.check(c.http.Post("/v1/jobs", spec.dump(), "application/json"));
  const auto id = r["id"].get<long long>();
  if (g.format == "json") {
    std::cout << r.dump(2) << "\n";
  } else {
    std::cout << fmt::format("submitted job {}{}\n", id, o.cron.empty() ? "" : fmt::format(" (cron '{}': a copy is queued at each firing)", o.cron));
  }
}

}  // namespace

void register_sched(CLI::App& app, GlobalOptions& g) {
  auto* s = app.add_subcommand("sched", "GPU-sharing job scheduler for this machine (daemon)");
  auto so = std::make_shared<ServeOptions>();
  auto* serve_cmd = s->add_subcommand("serve", "Run the scheduler daemon and its HTTP API");
  serve_cmd->add_option("--state-dir", so->state_dir, "State folder: jobs.db, token, job logs (default ~/.local/state/frugal/sched)");
  serve_cmd->add_option("--listen", so->listen, "API address (default 127.0.0.1:9402; non-loopback needs --token-file)");
  serve_cmd->add_option("--gpus", so->gpus, "Declare the GPUs instead of asking NVML, e.g. 4xH100-80GB");
  serve_cmd->add_option("--policy", so->policy, "Placement policy of the shared engine")->check(CLI::IsMember(sched::policy_names()));
  serve_cmd->add_option("--token-file", so->token_file, "API token file (created, mode 0600, when missing)");
  serve_cmd->add_option("--interval", so->interval, "Time between scheduling passes (default 250ms)");
  serve_cmd->add_option("--max-crash-requeues", so->max_crash_requeues,
                        "Requeue a job whose attempt vanished at most this often, then fail it (default 5)")
      ->check(CLI::Range(0, 1000));
  serve_cmd->add_option("--crash-backoff", so->crash_backoff,
                        "Wait before retrying a vanished attempt, doubled each time up to 5 min (default 2s)");
  serve_cmd->add_flag("--mps", so->mps, "Start nvidia-cuda-mps-control while GPU shares run, stop it after");
  serve_cmd->callback([&g, so] { serve(g, *so); });

  auto sv = std::make_shared<schedd::SuperviseArgs>();
  auto* sup = s->add_subcommand("supervise", "(internal) run one attempt of a job");
  sup->group("");
  sup->add_option("--lock-fd", sv->lock_fd);
  sup->add_option("--exit-file", sv->exit_file)->required();
  sup->add_option("--pid-file", sv->pid_file)->required();
  sup->add_option("--log", sv->log_file)->required();
  sup->add_option("--error-file", sv->error_file)->required();
  sup->add_option("--cwd", sv->cwd);
  sup->add_option("--user", sv->user);
  sup->add_option("--attempt", sv->attempt);
  sup->add_option("--max-memory-mib", sv->max_memory_mib);
  sup->add_option("argv", sv->argv)->required();
  sup->callback([sv] { std::exit(schedd::supervise(*sv)); });
  add_extender_command(s, g);
  s->require_subcommand(1);

  auto o = std::make_shared<SubmitOptions>();
  auto* sub = app.add_subcommand("submit", "Queue a job on the scheduler: frugal submit [options] -- command args");
  add_client_options(sub, o->client);
  sub->add_option("--gpus", o->gpus, "GPUs: below 1 a share of one GPU (MPS), else whole GPUs")->check(CLI::NonNegativeNumber);
  sub->add_option("--gpu-mem", o->gpu_mem, "GPU memory of a share (MPS pinned limit), e.g. 20GiB");
  sub->add_option("--mig", o->mig, "A MIG slice instead, e.g. 1g.10gb");
  sub->add_option("--priority", o->priority, "Higher runs first and may preempt lower --preemptible jobs");
  sub->add_flag("--preemptible", o->preemptible, "May be stopped (checkpoint signal, grace, SIGKILL) and requeued");
  sub->add_option("--window", o->window, "Run only between these local times, e.g. 02:00-06:00");
  sub->add_flag("--window-finish", o->window_finish, "Let it finish when its window closes (default: stop and requeue)");
  sub->add_option("--cron", o->cron, "Queue a copy at each firing of this 5-field cron schedule");
  sub->add_option("--name", o->name, "Job name (default: the command)");
  // One KEY=VALUE per --env: a vector option would otherwise swallow the words after it, and
  // everything after `--` is the command (`--env A=1 -- sh -c 'echo hi'`).
  sub->add_option("--env", o->env, "KEY=VALUE for the job's environment (repeatable)")->allow_extra_args(false);
  sub->add_option("--cwd", o->cwd, "Working directory (default: the current one)");
  sub->add_option("--user", o->user, "Run as this user (the daemon must run as root)");
  sub->add_option("--grace", o->grace, "Time between the checkpoint signal and SIGKILL (default 30s)");
  sub->add_option("--signal", o->signal, "Checkpoint signal (default TERM)");
  sub->add_option("--max-memory", o->max_memory, "Address-space limit of the command, e.g. 64GiB");
  sub->add_option("--max-runtime", o->max_runtime, "Stop (failed) after this long, e.g. 12h");
  sub->add_flag("--fail-on-crash", o->fail_on_crash, "Fail instead of requeue when its process vanishes");
  sub->add_option("--backend", o->backend, "frugal (this machine's scheduler, default) or slurm (sbatch)")
      ->check(CLI::IsMember({"frugal", "slurm"}));
  sub->add_option("--shards-per-gpu", o->shards_per_gpu, "Slurm: the cluster's shards per GPU, for --gpus below 1")
      ->check(CLI::Range(0, 1024));
  sub->add_option("--partition", o->partition, "Slurm: partition");
  sub->add_option("--account", o->account, "Slurm: account");
  sub->add_option("--output", o->output, "Slurm: output file (sbatch --output)");
  sub->add_option("command", o->argv, "The command and its arguments (after --)")->required();
  sub->callback([&g, o] { submit(g, *o); });

  auto co = std::make_shared<ClientOptions>();
  auto state = std::make_shared<std::string>();
  auto* jobs = app.add_subcommand("jobs", "List the scheduler's jobs");
  add_client_options(jobs, *co);
  jobs->add_option("--state", *state, "Only jobs in this state (queued, running, stopping, done, failed, cancelled, cron)");
  jobs->callback([&g, co, state] {
    Client c(*co);
    const auto a = c.check(c.http.Get(state->empty() ? "/v1/jobs" : "/v1/jobs?state=" + *state));
    emit(g, {jobs_table(a)}, a);
  });

  auto id = std::make_shared<long long>(0);
  auto* show = app.add_subcommand("show", "One job in full");
  add_client_options(show, *co);
  show->add_option("id", *id)->required();
  show->callback([co, id] {
    Client c(*co);
    std::cout << c.check(c.http.Get(fmt::format("/v1/jobs/{}", *id))).dump(2) << "\n";
  });

  auto follow = std::make_shared<bool>(false);
  auto* logs = app.add_subcommand("logs", "A job's output (every attempt)");
  add_client_options(logs, *co);
  logs->add_option("id", *id)->required();
  logs->add_flag("-f,--follow", *follow, "Keep printing until the job ends");
  logs->callback([co, id, follow] {
    Client c(*co);
    long long offset = 0;
    auto& stop = stop_on_signals();
    for (;;) {
      auto r = c.http.Get(fmt::format("/v1/jobs/{}/logs?offset={}", *id, offset));
      if (!r || r->status != 200) c.check(r);
      std::cout << r->body << std::flush;
      offset = std::atoll(r->get_header_value("X-Next-Offset").c_str());
      // The daemon answers a page (1 MiB) at a time: fetch the rest before deciding anything.
      if (offset < std::atoll(r->get_header_value("X-Log-Size").c_str())) continue;
      const std::string st = r->get_header_value("X-Job-State");
      if (!*follow || st == "done" || st == "failed" || st == "cancelled") {
        if (!*follow || r->body.empty()) break;
        continue;  // drain what is left
      }
      if (!sleep_unless_stopped(stop, 0.5)) break;
    }
  });

  auto* cancel = app.add_subcommand("cancel", "Cancel a job (running: checkpoint signal, grace, SIGKILL)");
  add_client_options(cancel, *co);
  cancel->add_option("id", *id)->required();
  cancel->callback([co, id] {
    Client c(*co);
    const auto j = c.check(c.http.Post(fmt::format("/v1/jobs/{}/cancel", *id), "", "application/json"));
    std::cout << fmt::format("job {}: {} ({})\n", *id, j["state"].get<std::string>(), j["note"].get<std::string>());
  });
}

}  // namespace frugal::cli
