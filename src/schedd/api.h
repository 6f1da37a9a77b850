// `frugal sched serve`'s HTTP JSON API (cpp-httplib), on loopback unless told otherwise. Every
// mutating call needs "Authorization: Bearer <token>" (401 without); invalid requests get 400
// with {"error": ..., "field": ...}; requests no GPU here could ever satisfy are refused at
// submit time with the reason.
//   GET  /v1/health                      daemon and inventory
//   GET  /v1/gpus                        the inventory
//   POST /v1/jobs                        submit (JobSpec JSON) -> 201 {"id": N}
//   GET  /v1/jobs[?state=S&limit=N]      newest first
//   GET  /v1/jobs/ID                     one job
//   POST /v1/jobs/ID/cancel              -> 200, 404 unknown, 409 already finished
//   GET  /v1/jobs/ID/logs?offset=N       log bytes from N; X-Next-Offset and X-Job-State headers
#pragma once

#include <memory>
#include <string>

#include "schedd/launcher.h"
#include "schedd/scheduler.h"
#include "schedd/store.h"

namespace frugal::schedd {

class ApiServer {
 public:
  // `listen`: "host:port" (port 0: any free port). Throws Error when it cannot bind.
  ApiServer(Scheduler& sched, JobStore& store, Launcher& launcher, const std::string& listen, std::string token);
  ~ApiServer();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);
// Reads the token at `path`, or creates it (32 random bytes as hex, mode 0600) when missing.
std::string load_or_create_token(const std::string& path);

}  // namespace frugal::schedd
