// Drives an OpenAI-compatible streaming endpoint at one load level and records every request:
// when it started, when each streamed piece arrived, how it ended. One thread and libcurl's
// multi interface, so the generator's own cost per token stays far below a server's.
//
// Load levels, as serving benchmarks define them:
//   closed loop, concurrency N: N requests in flight; each one that ends starts the next;
//   open loop, rate R/s: arrivals are a Poisson process of rate R, whatever the server does (the
//   queue, and so the latency, grows once R passes capacity).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "loadgen/openai.h"

namespace frugal::loadgen {

// How the response streams: server-sent events, or SageMaker's InvokeEndpointWithResponseStream
// (AWS event-stream frames whose PayloadPart events carry the container's own stream: SSE
// `data:` lines or JSON lines).
enum class Framing { kSse, kAwsEventStream };

struct Target {
  std::string url;                   // full URL of the completions endpoint
  Api api = Api::kCompletions;
  std::vector<std::string> headers;  // extra "Name: value" lines (Authorization, ...)
  double timeout_s = 300;            // per request, from its start
  Framing framing = Framing::kSse;
  // Called with each request's body just before it is sent; returns header lines to add (SigV4:
  // the body differs per request, so each is signed on its own). Unset: no signing.
  std::function<std::vector<std::string>(const std::string& body)> sign;
};

struct Load {
  enum Kind { kConcurrency, kRate } kind = kConcurrency;
  double value = 1;       // N, or R per second
  int requests = 0;       // stop starting requests after this many (0: no count limit)
  double duration_s = 0;  // stop starting after this long (0: no time limit); one of the two is set
  std::uint64_t seed = 1; // arrival times of the open loop
};

struct RequestRecord {
  double start = 0;                 // seconds since the level began
  double end = 0;
  std::vector<double> pieces;       // arrival time of each streamed piece with generated text
  int http_status = 0;
  std::string error;                // "" when it completed; else why (HTTP status, timeout, cut stream)
  int server_prompt_tokens = -1;    // from the server's usage, -1 when it sent none
  int server_completion_tokens = -1;
  bool ok() const { return error.empty(); }
  double ttft() const { return pieces.empty() ? -1 : pieces.front() - start; }
  // Output tokens: the server's count when it sent one, else one per streamed piece.
  int output_tokens() const { return server_completion_tokens >= 0 ? server_completion_tokens : static_cast<int>(pieces.size()); }
};

struct LevelResult {
  Load load;
  double wall_s = 0;  // from the first start to the last end
  std::vector<RequestRecord> requests;
};

// Called now and then with (requests finished, requests started) for a progress display.
using Progress = std::function<void(int finished, int started)>;

LevelResult run_level(const Target& target, const RequestShape& shape, const Load& load, const Progress& progress = {});

}  // namespace frugal::loadgen
