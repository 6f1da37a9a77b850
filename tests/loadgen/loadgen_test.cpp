// The load generator against the test's own scripted streaming server: the percentiles it
// measures match the script, errors, cut streams and timeouts are counted (never hidden), the open
// loop keeps its rate, and the SSE parser takes any chunking.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <nlohmann/json.hpp>

#include "aws/event_stream.h"
#include "aws/sigv4.h"
#include "core/error.h"
#include "loadgen/lengths.h"
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

// AWS event-stream framing: an independent encoded message (aws-c-event-stream's test vector, as
// quoted in emblica/aws-event-stream-parser-rs readme.md: one string header content-type =
// application/json, payload {'foo':'bar'}) decodes in any chunking; our encoder round-trips; a
// flipped bit is caught by the CRC.
TEST(EventStream, DecodesTheReferenceVectorInAnyChunking) {
  const std::string hex =
      "0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e7b27666f6f273a27626172277d8d9c08b1";
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  const std::string two = bytes + frugal::aws::encode_event_message({{":event-type", "PayloadPart"}}, "data:{}\n\n");
  for (std::size_t step = 1; step <= two.size(); ++step) {
    frugal::aws::EventStreamDecoder d;
    std::vector<frugal::aws::EventMessage> out;
    for (std::size_t at = 0; at < two.size(); at += step) ASSERT_TRUE(d.feed(std::string_view(two).substr(at, step), out)) << d.error();
    ASSERT_EQ(out.size(), 2u) << step;
    EXPECT_EQ(out[0].header("content-type"), "application/json");
    EXPECT_EQ(out[0].payload, "{'foo':'bar'}");
    EXPECT_EQ(out[1].header(":event-type"), "PayloadPart");
    EXPECT_EQ(out[1].payload, "data:{}\n\n");
    EXPECT_EQ(d.pending_bytes(), 0u);
  }
  std::string bad = bytes;
  bad[30] ^= 0x01;
  frugal::aws::EventStreamDecoder d;
  std::vector<frugal::aws::EventMessage> out;
  EXPECT_FALSE(d.feed(bad, out));
  EXPECT_NE(d.error().find("CRC"), std::string::npos) << d.error();
}

TEST(OpenAi, TgiEventsAndBody) {
  const auto t = interpret_event(Api::kTgi, R"({"token":{"id":5,"text":" hi","special":false},"generated_text":null,"details":null})");
  EXPECT_EQ(t.content_pieces, 1);
  EXPECT_FALSE(t.finished);
  EXPECT_EQ(interpret_event(Api::kTgi, R"({"token":{"id":2,"text":"</s>","special":true}})").content_pieces, 0);
  const auto last = interpret_event(Api::kTgi, R"({"token":{"text":"."},"generated_text":"a.","details":{"finish_reason":"length","generated_tokens":7}})");
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(*last.completion_tokens, 7);
  const auto body = nlohmann::json::parse(request_body(Api::kTgi, shape(9), 1));
  EXPECT_EQ(body["parameters"]["max_new_tokens"], 9);
  EXPECT_TRUE(body["stream"].get<bool>());
}

namespace {
// Signs like the CLI does (aws::sign_request, service "sagemaker"), for the given credentials.
std::function<std::vector<std::string>(const std::string&)> signer(int port, const std::string& secret) {
  return [port, secret](const std::string& body) {
    frugal::aws::HttpRequest req;
    req.method = "POST";
    req.path = "/endpoints/my-endpoint/invocations-response-stream";
    req.headers = {{"Host", "127.0.0.1:" + std::to_string(port)}, {"Content-Type", "application/json"}};
    req.body = body;
    frugal::aws::SigningParams p;
    p.region = "us-east-1";
    p.service = "sagemaker";
    p.time = std::time(nullptr);
    frugal::aws::sign_request(req, {"AKIDFRUGALTEST", secret, "", "test"}, p);
    std::vector<std::string> out;
    for (const auto& [n, v] : req.headers) {
      if (n != "Host" && n != "Content-Type") out.push_back(n + ": " + v);
    }
    return out;
  };
}
}  // namespace

// SageMaker InvokeEndpointWithResponseStream: signed requests stream TGI events inside event-stream
// frames (split across TCP sends); the measured timeline matches the script; a ModelStreamError
// exception mid-stream and a bad signature (403) are counted with their messages.
TEST(Loadgen, SageMakerResponseStream) {
  StreamScript script;
  script.sagemaker = true;
  script.ttft_s = 0.04;
  script.itl_s = 0.005;
  script.exception_every = 4;
  ScriptedServer server(script);
  Target t;
  t.url = server.url("/endpoints/my-endpoint/invocations-response-stream");
  t.api = Api::kTgi;
  t.framing = Framing::kAwsEventStream;
  t.sign = signer(server.port(), script.secret_key);
  const auto r = run_level(t, shape(16), closed(2, 8));
  const auto s = summarize(r, 0);
  EXPECT_EQ(s.requests, 8);
  EXPECT_EQ(s.errors, 2);  // requests 4 and 8
  ASSERT_FALSE(s.first_errors.empty());
  EXPECT_NE(s.first_errors[0].find("ModelStreamError: scripted model failure"), std::string::npos) << s.first_errors[0];
  EXPECT_EQ(s.server_counted, s.ok);  // generated_tokens from TGI's details
  EXPECT_GE(s.ttft_s.p50, 0.04);
  EXPECT_LE(s.ttft_s.p50, 0.04 + 0.006 * kSlack);
  EXPECT_NEAR(s.tpot_s.p50, 0.005, 0.001 * kSlack);

  t.sign = signer(server.port(), "not-the-secret");
  const auto denied = summarize(run_level(t, shape(4), closed(1, 2)), 0);
  EXPECT_EQ(denied.errors, 2);
  ASSERT_FALSE(denied.first_errors.empty());
  EXPECT_NE(denied.first_errors[0].find("HTTP 403"), std::string::npos) << denied.first_errors[0];
  EXPECT_NE(denied.first_errors[0].find("signature mismatch"), std::string::npos) << denied.first_errors[0];
}

TEST(Lengths, ParseAndDraw) {
  EXPECT_EQ(LengthDist::parse("512", "--p").kind, LengthDist::Kind::kFixed);
  const auto u = LengthDist::parse("uniform:100-300", "--p");
  const auto n = LengthDist::parse("normal:200,50", "--p");
  EXPECT_DOUBLE_EQ(u.mean(), 200);
  for (const char* bad : {"0", "uniform:300-100", "normal:0,1", "lots", "uniform:5", "12.5"}) {
    EXPECT_THROW(LengthDist::parse(bad, "--prompt-tokens"), frugal::Error) << bad;
  }
  std::mt19937_64 rng(7);
  double su = 0, sn = 0;
  int lo = 1 << 30, hi = 0;
  for (int i = 0; i < 4000; ++i) {
    const int x = u.draw(rng), y = n.draw(rng);
    ASSERT_GE(x, 100);
    ASSERT_LE(x, 300);
    ASSERT_GE(y, 1);
    ASSERT_LE(y, 399);
    su += x, sn += y, lo = std::min(lo, y), hi = std::max(hi, y);
  }
  EXPECT_NEAR(su / 4000, 200, 4);
  EXPECT_NEAR(sn / 4000, 200, 4);
  EXPECT_LT(lo, 100);  // it does spread
  EXPECT_GT(hi, 300);
}

// Output lengths drawn per request reach the server (its usage echoes each max_tokens): the
// requests differ, and their mean is the distribution's.
TEST(Loadgen, DrawsLengthsPerRequest) {
  StreamScript script;
  script.ttft_s = 0.002;
  script.itl_s = 0.0005;
  ScriptedServer server(script);
  RequestShape s = shape(20);
  s.output_lengths = LengthDist::parse("uniform:10-30", "--output-tokens");
  const auto level = run_level({server.url(), Api::kCompletions, {}, 10}, s, closed(4, 60));
  std::set<int> seen;
  double sum = 0;
  for (const auto& r : level.requests) {
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_GE(r.server_completion_tokens, 10);
    ASSERT_LE(r.server_completion_tokens, 30);
    seen.insert(r.server_completion_tokens);
    sum += r.server_completion_tokens;
  }
  EXPECT_GT(seen.size(), 5u);
  EXPECT_NEAR(sum / level.requests.size(), 20, 3);
}
