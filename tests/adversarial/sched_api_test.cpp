// Attacks on `frugal sched serve`'s API over real loopback sockets (issue 14): reads without the
// token, secrets in job environments, values that would be narrowed or cut, deep and huge JSON,
// ids and offsets outside their range, and token files others can read or guess.
#include "schedd/api.h"

#include <gtest/gtest.h>

#include "http/auth.h"
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adversarial/raw_client.h"
#include "core/error.h"
#include "core/temp_dir.h"
#include "schedd/inventory.h"

using namespace frugal;
using namespace frugal::schedd;
using namespace frugal::testing;

namespace {

const std::string kToken(64, 'a');  // a stand-in; the API only compares it
const std::string kAuth = "Authorization: Bearer " + std::string(64, 'a') + "\r\n";

struct Daemon {
  TempDir dir{"frugal-api-attack-", "the test"};
  JobStore store{(dir.path() / "jobs.db").string()};
  PosixLauncher launcher{dir.path().string(), FRUGAL_BIN};
  SystemClock clock;
  Scheduler sched{store, launcher, clock, declared_inventory("1xH100-80GB", FRUGAL_TEST_DATA_DIR)};
  ApiServer api{sched, store, launcher, "127.0.0.1:0", kToken};

  std::string call(const std::string& method, const std::string& target, const std::string& body = "", bool auth = true) {
    RawConn c(api.port());
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + (auth ? kAuth : "");
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    c.send(req + "\r\n" + body);
    return c.response(10);
  }
};

// Why load_or_create_token refuses `path` ("" when it accepts it, which the callers then fail on).
std::string refusal(const std::string& path) {
  try {
    http::load_or_create_token(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SchedApiAttack, EveryRouteNeedsTheToken) {
  Daemon d;
  const std::string made = d.call("POST", "/v1/jobs", R"({"argv":["true"],"name":"mine"})");
  ASSERT_EQ(status_of(made), 201) << made;
  const auto id = std::to_string(nlohmann::json::parse(body_of(made))["id"].get<long long>());
  for (const std::string& path : std::vector<std::string>{"/v1/health", "/v1/gpus", "/v1/jobs", "/v1/jobs/" + id, "/v1/jobs/" + id + "/logs"}) {
    SCOPED_TRACE(path);
    const std::string without = d.call("GET", path, "", false);
    EXPECT_EQ(status_of(without), 401) << without;
    EXPECT_EQ(without.find("mine"), std::string::npos);
    EXPECT_EQ(status_of(d.call("GET", path)), 200);
  }
  EXPECT_EQ(status_of(d.call("POST", "/v1/jobs/" + id + "/cancel", "", false)), 401);
  // A wrong token of the right length is as good as none.
  RawConn c(d.api.port());
  c.send("GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(64, 'b') + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(c.response(5)), 401);
}

TEST(SchedApiAttack, EnvValuesNeverLeaveTheDaemon) {
  Daemon d;
  const std::string made = d.call("POST", "/v1/jobs", R"({"argv":["true"],"env":{"API_KEY":"s3cr3t-value"}})");
  ASSERT_EQ(status_of(made), 201) << made;
  const auto id = std::to_string(nlohmann::json::parse(body_of(made))["id"].get<long long>());
  const std::string one = d.call("GET", "/v1/jobs/" + id), list = d.call("GET", "/v1/jobs");
  EXPECT_EQ(one.find("s3cr3t-value"), std::string::npos) << one;
  EXPECT_EQ(list.find("s3cr3t-value"), std::string::npos) << list;
  EXPECT_EQ(nlohmann::json::parse(body_of(one))["env_names"], nlohmann::json::array({"API_KEY"}));
}

TEST(SchedApiAttack, ValuesThatWouldBeNarrowedOrCutAre400WithTheField) {
  Daemon d;
  const std::pair<std::string, std::string> cases[] = {
      {R"({"argv":["true"],"priority":99999999999})", "priority"},
      {R"({"argv":["true"],"priority":-99999999999})", "priority"},
      {R"({"argv":["true"],"checkpoint_signal":4294967305})", "checkpoint_signal"},
      {R"({"argv":["true"],"checkpoint_signal":0})", "checkpoint_signal"},
      {R"({"argv":["true"],"gpu_mem_mib":1e300})", "gpu_mem_mib"},
      {R"({"argv":["true"],"max_memory_mib":-1})", "max_memory_mib"},
      {R"({"argv":["true"],"deadline":1.5e19})", "deadline"},
      {R"({"argv":["true","a\u0000b"]})", "argv"},
      {R"({"argv":["true"],"env":{"K":"v\u0000w"}})", "env"},
      {R"({"argv":["true"],"env":{"A=B":"x"}})", "env"},
      {R"({"argv":["true"],"cwd":"/tmp\u0000/x"})", "cwd"},
      {R"({"argv":["true"],"grace_s":1e999})", ""},  // not even JSON
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    const std::string r = d.call("POST", "/v1/jobs", body);
    EXPECT_EQ(status_of(r), 400) << r;
    if (!field.empty()) {
      EXPECT_EQ(nlohmann::json::parse(body_of(r))["field"], field) << r;
    }
  }
  EXPECT_TRUE(d.store.list({}, 100).empty()) << "a refused job was stored";
}

TEST(SchedApiAttack, DeepOrHugeJsonIsRefusedAndMemoryComesBack) {
  Daemon d;
  const long before = resident_bytes();
  // 1 MB of '[': within the body limit, refused at depth 33 without building a million arrays.
  const std::string deep(1000000, '[');
  const std::string r = d.call("POST", "/v1/jobs", deep);
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_NE(r.find("nested deeper than 32 levels"), std::string::npos) << r;
  // 10 MB: past the 1 MiB a submit may have, refused on its head.
  RawConn c(d.api.port());
  c.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\n" + kAuth + "Content-Length: 10000000\r\n\r\n");
  EXPECT_EQ(status_of(c.read(2, "\r\n\r\n")), 413);
  EXPECT_LT(resident_bytes() - before, 32L << 20);
}

TEST(SchedApiAttack, IdsAndOffsetsOutsideTheirRange) {
  Daemon d;
  const std::string made = d.call("POST", "/v1/jobs", R"({"argv":["true"]})");
  const auto id = std::to_string(nlohmann::json::parse(body_of(made))["id"].get<long long>());
  EXPECT_EQ(status_of(d.call("GET", "/v1/jobs/99999999999999999999")), 404);
  EXPECT_EQ(status_of(d.call("GET", "/v1/jobs/-1")), 404);
  EXPECT_EQ(status_of(d.call("GET", "/v1/jobs/1x")), 404);
  EXPECT_EQ(status_of(d.call("POST", "/v1/jobs/99999999999999999999/cancel")), 404);
  for (const char* off : {"-1", "99999999999999999999", "abc", "1e3"}) {
    const std::string r = d.call("GET", "/v1/jobs/" + id + "/logs?offset=" + off);
    EXPECT_EQ(status_of(r), 400) << off << r;
    EXPECT_EQ(r.find("X-Next-Offset: -"), std::string::npos);
  }
  for (const char* limit : {"0", "-5", "100001", "x"}) EXPECT_EQ(status_of(d.call("GET", std::string("/v1/jobs?limit=") + limit)), 400) << limit;
}

TEST(SchedApiAttack, TokenFilesOthersCanReadOrGuessAreRefused) {
  TempDir dir{"frugal-token-", "the test"};
  const std::string path = (dir.path() / "token").string();
  const std::string made = http::load_or_create_token(path);
  EXPECT_EQ(made.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(http::load_or_create_token(path), made);
  ::chmod(path.c_str(), 0644);
  const std::string readable = refusal(path);
  EXPECT_NE(readable.find("readable by other users (mode 0644); run chmod 600"), std::string::npos) << readable;
  const std::string weak = (dir.path() / "weak").string();
  { std::ofstream(weak) << "hunter2hunter2hunter2hunter2hunter2\n"; }  // 35 characters, far from 256 bits
  ::chmod(weak.c_str(), 0600);
  const std::string too_weak = refusal(weak);
  EXPECT_NE(too_weak.find("too weak"), std::string::npos) << too_weak;
  EXPECT_NE(too_weak.find("openssl rand -hex 32"), std::string::npos) << too_weak;
}
