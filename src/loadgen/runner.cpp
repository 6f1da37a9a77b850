#include "loadgen/runner.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <list>
#include <memory>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "aws/event_stream.h"
#include "core/error.h"
#include "loadgen/sse.h"

namespace frugal::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct InFlight {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::string error_body;  // what a non-200 reply said (first 512 bytes)
  SseParser sse;
  Framing framing = Framing::kSse;
  aws::EventStreamDecoder frames;
  std::vector<aws::EventMessage> messages;
  std::string payload_line;  // an unfinished line of the container's stream inside PayloadParts
  std::vector<std::string> events;
  RequestRecord rec;
  Api api = Api::kCompletions;
  Clock::time_point t0;
  bool done = false;       // [DONE] seen
  bool finished = false;   // a finish_reason seen
  std::string stream_error;

  ~InFlight() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }
};

size_t on_data(char* ptr, size_t size, size_t n, void* user) {
  auto* f = static_cast<InFlight*>(user);
  const double now = std::chrono::duration<double>(Clock::now() - f->t0).count();
  const std::size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    if (f->error_body.size() < 512) f->error_body.append(ptr, std::min<std::size_t>(len, 512 - f->error_body.size()));
    return len;
  }
  f->events.clear();
  if (f->framing == Framing::kSse) {
    if (!f->sse.feed(std::string_view(ptr, len), f->events)) {
      f->stream_error = "a streamed line longer than 4 MiB";
      return 0;  // abort the transfer
    }
  } else {
    f->messages.clear();
    if (!f->frames.feed(std::string_view(ptr, len), f->messages)) {
      f->stream_error = f->frames.error();
      return 0;
    }
    for (const auto& m : f->messages) {
      const std::string type = m.header(":message-type");
      if (type == "exception" || type == "error") {
        // ModelStreamError, InternalStreamFailure...: the payload's Message says why.
        const auto j = nlohmann::json::parse(m.payload, nullptr, false);
        std::string why = m.header(":error-message");
        for (const char* k : {"Message", "message"}) {
          if (why.empty() && j.is_object() && j.contains(k) && j[k].is_string()) why = j[k].get<std::string>();
        }
        const std::string what = type == "exception" ? m.header(":exception-type") : m.header(":error-code");
        f->stream_error = fmt::format("{}{}{}", what.empty() ? type : what, why.empty() ? "" : ": ", why);
        continue;
      }
      if (m.header(":event-type") != "PayloadPart") continue;
      // The container's own stream: SSE `data:` lines (TGI, OpenAI schema) or JSON lines (LMI).
      f->payload_line += m.payload;
      for (std::size_t nl; (nl = f->payload_line.find('\n')) != std::string::npos;) {
        std::string line = f->payload_line.substr(0, nl);
        f->payload_line.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == ':') continue;
        if (line.rfind("data:", 0) == 0) line.erase(0, line.size() > 5 && line[5] == ' ' ? 6 : 5);
        else if (line.find(':') != std::string::npos && line[0] != '{' && line[0] != '[') continue;  // event:, id:
        f->events.push_back(std::move(line));
      }
      if (f->payload_line.size() > SseParser::max_line) {
        f->stream_error = "a streamed line longer than 4 MiB";
        return 0;
      }
    }
  }
  for (const auto& data : f->events) {
    const StreamEvent ev = interpret_event(f->api, data);
    if (!ev.error.empty()) {
      f->stream_error = ev.error;
      continue;
    }
    if (ev.content_pieces > 0) f->rec.pieces.push_back(now);
    if (ev.prompt_tokens) f->rec.server_prompt_tokens = *ev.prompt_tokens;
    if (ev.completion_tokens) f->rec.server_completion_tokens = *ev.completion_tokens;
    f->finished |= ev.finished;
    f->done |= ev.done;
  }
  return len;
}

}  // namespace

LevelResult run_level(const Target& target, const RequestShape& shape, const Load& load, const Progress& progress) {
  if (load.requests <= 0 && load.duration_s <= 0) throw Error("a load level needs a request count or a duration");
  if (!(load.value > 0) || !std::isfinite(load.value)) throw Error("a load level needs a concurrency or rate > 0");
  global_init();
  CURLM* multi = curl_multi_init();
  if (!multi) throw Error("libcurl: cannot create a multi handle");
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi_guard(multi, curl_multi_cleanup);
  LevelResult result;
  result.load = load;
  const Clock::time_point t0 = Clock::now();
  auto now_s = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::list<InFlight> flying;
  std::mt19937_64 rng(load.seed);
  std::exponential_distribution<double> gap(load.kind == Load::kRate ? load.value : 1.0);
  std::mt19937_64 length_rng(load.seed * 0x9E3779B97F4A7C15ULL + 1);  // its own stream: arrivals stay as they were
  double next_arrival = load.kind == Load::kRate ? gap(rng) : 0;
  int started = 0, finished = 0;
  auto may_start = [&](double t) {
    if (load.requests > 0 && started >= load.requests) return false;
    if (load.duration_s > 0 && t >= load.duration_s) return false;
    return true;
  };
  auto start_one = [&](double at) {
    InFlight& f = flying.emplace_back();
    f.api = target.api;
    f.framing = target.framing;
    f.t0 = t0;
    f.rec.start = at;
    RequestShape one = shape;
    if (shape.prompt_lengths) one.prompt_tokens = shape.prompt_lengths->draw(length_rng);
    if (shape.output_lengths) one.output_tokens = shape.output_lengths->draw(length_rng);
    f.body = request_body(target.api, one, static_cast<unsigned long>(started) * 7919UL + load.seed);
    f.easy = curl_easy_init();
    if (!f.easy) throw Error("libcurl: cannot create a request");
    f.headers = curl_slist_append(f.headers, "Content-Type: application/json");
    f.headers = curl_slist_append(f.headers, target.framing == Framing::kSse ? "Accept: text/event-stream"
                                                                             : "Accept: application/vnd.amazon.eventstream");
    for (const auto& h : target.headers) f.headers = curl_slist_append(f.headers, h.c_str());
    if (target.sign) {
      for (const auto& h : target.sign(f.body)) f.headers = curl_slist_append(f.headers, h.c_str());
    }
    curl_easy_setopt(f.easy, CURLOPT_URL, target.url.c_str());
    curl_easy_setopt(f.easy, CURLOPT_HTTPHEADER, f.headers);
    curl_easy_setopt(f.easy, CURLOPT_POSTFIELDS, f.body.c_str());
    curl_easy_setopt(f.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(f.body.size()));
    curl_easy_setopt(f.easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(f.easy, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(f.easy, CURLOPT_PRIVATE, &f);
    curl_easy_setopt(f.easy, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout_s * 1000));
    curl_easy_setopt(f.easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(target.timeout_s, 30.0) * 1000));
    curl_easy_setopt(f.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f.easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(f.easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_multi_add_handle(multi, f.easy);
    ++started;
  };
  auto finish = [&](InFlight& f, CURLcode code) {
    f.rec.end = now_s();
    long status = 0;
    curl_easy_getinfo(f.easy, CURLINFO_RESPONSE_CODE, &status);
    f.rec.http_status = static_cast<int>(status);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      f.rec.error = fmt::format("timeout after {:g} s", target.timeout_s);
    } else if (!f.stream_error.empty()) {
      f.rec.error = f.stream_error;
    } else if (code != CURLE_OK) {
      f.rec.error = fmt::format("{}", curl_easy_strerror(code));
    } else if (status != 200) {
      std::string said = f.error_body;
      for (char& c : said) c = (c == '\n' || c == '\r') ? ' ' : c;
      f.rec.error = fmt::format("HTTP {}{}{}", status, said.empty() ? "" : ": ", said.substr(0, 200));
    } else if (!f.done && !f.finished) {
      f.rec.error = "the stream ended before [DONE] or a finish_reason";
    }
    result.requests.push_back(std::move(f.rec));
    ++finished;
  };
  if (load.kind == Load::kConcurrency) {
    for (int i = 0; i < static_cast<int>(load.value) && may_start(0); ++i) start_one(0);
  }
  double last_progress = 0;
  while (!flying.empty() || (load.kind == Load::kRate && may_start(next_arrival))) {
    int running = 0;
    curl_multi_perform(multi, &running);
    CURLMsg* msg;
    int left = 0;
    while ((msg = curl_multi_info_read(multi, &left))) {
      if (msg->msg != CURLMSG_DONE) continue;
      InFlight* f = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &f);
      const CURLcode code = msg->data.result;
      curl_multi_remove_handle(multi, msg->easy_handle);
      finish(*f, code);
      for (auto it = flying.begin(); it != flying.end(); ++it) {
        if (&*it == f) {
          flying.erase(it);
          break;
        }
      }
      if (load.kind == Load::kConcurrency && may_start(now_s())) start_one(now_s());
    }
    double t = now_s();
    while (load.kind == Load::kRate && may_start(next_arrival) && next_arrival <= t) {
      start_one(t);  // sent now (at most a poll tick after its arrival time)
      next_arrival += gap(rng);
    }
    if (progress && t - last_progress >= 0.2) {
      progress(finished, started);
      last_progress = t;
    }
    // Wait for sockets, or for the next arrival in the open loop.
    int wait_ms = 100;
    if (load.kind == Load::kRate && may_start(next_arrival)) {
      wait_ms = static_cast<int>(std::clamp((next_arrival - now_s()) * 1000.0, 0.0, 100.0));
    }
    if (!flying.empty() || wait_ms > 0) curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
  if (progress) progress(finished, started);
  double first = 1e300, last = 0;
  for (const auto& r : result.requests) first = std::min(first, r.start), last = std::max(last, r.end);
  result.wall_s = result.requests.empty() ? 0 : last - first;
  return result;
}

}  // namespace frugal::loadgen
