// The load generator against the test's own scripted streaming server: the percentiles it
// measures match the script, errors, cut streams and timeouts are counted (never hidden), the open
// loop keeps its rate, and the SSE parser takes any chunking.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "loadgen/openai.h"
#include "loadgen/runner.h"
#include "loadgen/sse.h"
#include "loadgen/summary.h"
#include "loadgen/scripted_server.h"

using namespace frugal::loadgen;
using frugal::testing::ScriptedServer;
using frugal::testing::StreamScript;

namespace {
constexpr double kSlack = FRUGAL_TIMING_SLACK;  // tolerances x4 under sanitizers (tests/CMakeLists.txt)
RequestShape shape(int out = 32) { return {"test-model", 100, out}; }
Load closed(int n, int requests) {
  Load l;
  l.kind = Load::kConcurrency;
  l.value = n;
  l.requests = requests;
  return l;
}
}  // namespace

TEST(Sse, EventsSurviveAnyChunkingAndLineEnding) {
  const std::string stream = ": comment\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: first\ndata: second\n\nid: 3\ndata:[DONE]\n\n";
  for (std::size_t step = 1; step <= stream.size(); ++step) {
    SseParser p;
    std::vector<std::string> ev;
    for (std::size_t at = 0; at < stream.size(); at += step) ASSERT_TRUE(p.feed(std::string_view(stream).substr(at, step), ev));
    ASSERT_EQ(ev.size(), 3u) << step;
    EXPECT_EQ(ev[0], "{\"a\":1}");
    EXPECT_EQ(ev[1], "first\nsecond");
    EXPECT_EQ(ev[2], "[DONE]");
  }
  SseParser p;
  std::vector<std::string> ev;
  EXPECT_FALSE(p.feed(std::string(SseParser::max_line + 1, 'x'), ev));  // a line that never ends
}

TEST(OpenAi, EventsAndBodies) {
  const auto c = interpret_event(Api::kCompletions, R"({"choices":[{"text":" hi","finish_reason":null}]})");
  EXPECT_EQ(c.content_pieces, 1);
  EXPECT_FALSE(c.finished);
  const auto d = interpret_event(Api::kChat, R"({"choices":[{"delta":{"content":"x"},"finish_reason":"length"}]})");
  EXPECT_EQ(d.content_pieces, 1);
  EXPECT_TRUE(d.finished);
  EXPECT_EQ(interpret_event(Api::kChat, R"({"choices":[{"delta":{"role":"assistant"}}]})").content_pieces, 0);
  const auto u = interpret_event(Api::kCompletions, R"({"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":9}})");
  EXPECT_EQ(*u.prompt_tokens, 7);
  EXPECT_EQ(*u.completion_tokens, 9);
  EXPECT_TRUE(interpret_event(Api::kCompletions, "[DONE]").done);
  EXPECT_EQ(interpret_event(Api::kCompletions, R"({"error":{"message":"overloaded"}})").error, "overloaded");
  EXPECT_FALSE(interpret_event(Api::kCompletions, "not json").error.empty());
  // No two requests share a prompt prefix a server could cache.
  const auto p1 = nlohmann::json::parse(request_body(Api::kCompletions, shape(), 1))["prompt"].get<std::string>();
  const auto p2 = nlohmann::json::parse(request_body(Api::kCompletions, shape(), 2))["prompt"].get<std::string>();
  EXPECT_NE(p1.substr(0, 4), p2.substr(0, 4));
  EXPECT_EQ(std::count(p1.begin(), p1.end(), ' '), 99);  // 100 words for 100 prompt tokens
  const auto body = nlohmann::json::parse(request_body(Api::kChat, shape(8), 1));
  EXPECT_EQ(body["max_tokens"], 8);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["messages"][0]["role"], "user");
}

TEST(Percentiles, InterpolateLikeNumpy) {
  const auto p = percentiles({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(p.p50, 2.5);
  EXPECT_DOUBLE_EQ(p.p90, 3.7);
  EXPECT_DOUBLE_EQ(p.mean, 2.5);
  EXPECT_DOUBLE_EQ(p.max, 4);
  EXPECT_EQ(percentiles({}).n, 0);
}

// The scripted timeline: first token at 50 ms, then one every 10 ms. What is measured must be the
// script, within 5 ms for TTFT and 1.5 ms for the per-token figures (loopback, a 2-core machine).
TEST(Loadgen, MeasuresTheScriptedTimeline) {
  StreamScript s;
  s.ttft_s = 0.050;
  s.itl_s = 0.010;
  ScriptedServer server(s);
  const auto level = run_level({server.url(), Api::kCompletions, {}, 10}, shape(32), closed(4, 24));
  const auto sum = summarize(level, 0);
  ASSERT_EQ(sum.errors, 0) << (sum.first_errors.empty() ? "" : sum.first_errors[0]);
  EXPECT_EQ(sum.ok, 24);
  EXPECT_EQ(sum.server_counted, 24);
  EXPECT_DOUBLE_EQ(sum.mean_output_tokens, 32);
  EXPECT_DOUBLE_EQ(sum.mean_prompt_tokens, 100);
  EXPECT_NEAR(sum.ttft_s.p50, 0.050, 0.005 * kSlack);
  EXPECT_NEAR(sum.tpot_s.p50, 0.010, 0.0015 * kSlack);
  EXPECT_NEAR(sum.itl_s.p50, 0.010, 0.0015 * kSlack);
  EXPECT_NEAR(sum.e2e_s.p50, 0.050 + 31 * 0.010, 0.010 * kSlack);
  // 4 in flight, each 32 tokens in 0.36 s: about 4 * 32 / 0.36 = 356 tokens/s.
  EXPECT_NEAR(sum.output_tokens_per_s, 4 * 32 / 0.36, 0.15 * kSlack * 4 * 32 / 0.36);
  EXPECT_EQ(server.requests(), 24);
  const auto priced = summarize(level, 3.6);  // $3.60/h
  EXPECT_NEAR(priced.cost_per_million_output, 3.6 / (priced.output_tokens_per_s * 3600) * 1e6, 1e-9);
}

TEST(Loadgen, ChatStreamsAndSlowHeaders) {
  StreamScript s;
  s.chat = true;
  s.header_delay_s = 0.1;  // the status line itself waits
  s.ttft_s = 0.15;
  s.itl_s = 0.005;
  s.send_usage = false;  // then tokens are counted one per streamed piece
  ScriptedServer server(s);
  const auto sum = summarize(run_level({server.url("/v1/chat/completions"), Api::kChat, {}, 10}, shape(16), closed(2, 6)), 0);
  ASSERT_EQ(sum.errors, 0);
  EXPECT_EQ(sum.server_counted, 0);
  EXPECT_DOUBLE_EQ(sum.mean_output_tokens, 16);
  EXPECT_DOUBLE_EQ(sum.mean_prompt_tokens, -1);
  EXPECT_NEAR(sum.ttft_s.p50, 0.15, 0.005 * kSlack);
  EXPECT_NEAR(sum.itl_s.p50, 0.005, 0.0015 * kSlack);
}

TEST(Loadgen, ErrorsCutStreamsAndTimeoutsAreCounted) {
  StreamScript s;
  s.ttft_s = 0.01;
  s.itl_s = 0.002;
  s.fail_every = 4;
  s.cut_every = 5;
  ScriptedServer server(s);
  const auto sum = summarize(run_level({server.url(), Api::kCompletions, {}, 10}, shape(20), closed(3, 20)), 0);
  // Requests 4, 8, 12, 16, 20 fail (HTTP 500); 5, 10, 15 are cut (20 is a failure first).
  EXPECT_EQ(sum.requests, 20);
  EXPECT_EQ(sum.errors, 8);
  EXPECT_EQ(sum.ok, 12);
  bool saw_500 = false, saw_cut = false;
  for (const auto& e : sum.first_errors) {
    saw_500 |= e.find("HTTP 500: ") == 0 && e.find("scripted failure") != std::string::npos;
    saw_cut |= e.find("ended before [DONE]") != std::string::npos;
  }
  EXPECT_TRUE(saw_500 && saw_cut);

  StreamScript slow;
  slow.ttft_s = 2;
  ScriptedServer stuck(slow);
  const auto t = summarize(run_level({stuck.url(), Api::kCompletions, {}, 0.3}, shape(4), closed(2, 4)), 0);
  EXPECT_EQ(t.timeouts, 4);
  EXPECT_EQ(t.ok, 0);
}

// The open loop keeps its arrival rate whatever the server's latency.
TEST(Loadgen, OpenLoopKeepsItsRate) {
  StreamScript s;
  s.ttft_s = 0.02;
  s.itl_s = 0.005;
  ScriptedServer server(s);
  Load l;
  l.kind = Load::kRate;
  l.value = 40;
  l.requests = 80;
  l.seed = 7;
  const auto level = run_level({server.url(), Api::kCompletions, {}, 10}, shape(8), l);
  const auto sum = summarize(level, 0);
  EXPECT_EQ(sum.ok, 80);
  double last_start = 0;
  for (const auto& r : level.requests) last_start = std::max(last_start, r.start);
  // 80 Poisson arrivals at 40/s: the last one near 2 s (its sd is sqrt(80)/40 = 0.22 s).
  EXPECT_NEAR(last_start, 2.0, 0.7);
  EXPECT_NEAR(sum.ttft_s.p50, 0.02, 0.005 * kSlack);  // far below capacity: no queueing
}
