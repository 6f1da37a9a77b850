// `frugal sched serve`'s HTTP JSON API (frugal's own http::Server), on loopback unless told
// otherwise. Every call, reads included, needs "Authorization: Bearer <token>" (401 without,
// decided before any body is read); invalid requests get 400 with {"error": ..., "field": ...};
// requests no GPU here could ever satisfy are refused at submit time with the reason. Job
// environments leave the daemon as names only (values may be secrets). A submit body is at most
// 1 MiB of JSON nested at most 32 deep (413 / 400); a log read returns at most 1 MiB.
//   GET  /v1/health                      daemon and inventory
//   GET  /v1/gpus                        the inventory
//   POST /v1/jobs                        submit (JobSpec JSON) -> 201 {"id": N}
//   GET  /v1/jobs[?state=S&limit=N]      newest first
//   GET  /v1/jobs/ID                     one job
//   POST /v1/jobs/ID/cancel              -> 200, 404 unknown, 409 already finished
//   GET  /v1/jobs/ID/logs?offset=N       log bytes from N; X-Next-Offset, X-Log-Size, X-Job-State
#pragma once

#include <memory>
#include <string>

#include "http/server.h"
#include "schedd/launcher.h"
#include "schedd/scheduler.h"
#include "schedd/store.h"

namespace frugal::schedd {

class ApiServer {
 public:
  // `listen`: "host:port" (port 0: any free port). Throws Error when it cannot bind.
  ApiServer(Scheduler& sched, JobStore& store, Launcher& launcher, const std::string& listen, std::string token,
            http::Limits limits = {});
  ~ApiServer();
  int port() const { return port_; }

 private:
  std::unique_ptr<http::Server> server_;
  int port_ = 0;
};

// The routes alone (the server, tests and the fuzzer use the same ones).
http::Router api_router(Scheduler& sched, JobStore& store, Launcher& launcher, std::string token);
// A request body as JSON, refusing depth past 32 levels; throws Error ("body: ...").
nlohmann::json parse_json_body(const std::string& body);

}  // namespace frugal::schedd
