#include "perf/serving.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace frugal {
namespace {

double token_budget(const LlmConfig& c) {
  return c.device.stack->max_num_tokens > 0 ? c.device.stack->max_num_tokens : c.device.memory->max_prefill_tokens;
}

// What a tagged request sees with `others` sequences sharing the engine with it.
struct Steady {
  double ttft = 0, tpot = 0, e2e = 0;
};

// `arrivals`: requests whose prompts join per iteration (per token of ours).
Steady steady(const LlmConfig& c, double others, double busy, double prompt, double output, double arrivals) {
  const double n = others + 1;
  const double ctx = decode_context(c, prompt, output);
  Steady s;
  if (c.device.stack->chunked_prefill) {
    const double budget = std::max(1.0, token_budget(c) - n);
    const double chunks = std::max(1.0, std::ceil(prompt / budget));
    // An iteration carries whole prompt chunks, q of them on average: floor(q) or ceil(q). Under
    // light load most iterations are pure decode and a few carry a chunk; averaging the chunk's
    // tokens over every iteration would price them all as a decode with a few prompt tokens.
    const double size = prompt / chunks, q = arrivals * chunks, lo = std::floor(q), frac = q - lo;
    const double step = (1 - frac) * iteration_time(c, n, ctx, lo * size, prompt / 2) +
                        (frac > 0 ? frac * iteration_time(c, n, ctx, (lo + 1) * size, prompt / 2) : 0.0);
    const double chunk_step = iteration_time(c, others, ctx, size + arrivals * prompt, prompt / 2);
    s.tpot = step;
    s.ttft = 0.5 * step * busy + chunks * chunk_step;
  } else {
    // Prefill is its own pass (chunked by the token budget) that pauses the batch's decoding.
    const double prefill = prefill_time(c, 1, prompt);
    const double decode = decode_step_time(c, static_cast<int>(std::ceil(n)), ctx);
    s.tpot = decode + arrivals * prefill;
    s.ttft = 0.5 * decode * busy + prefill;
  }
  s.e2e = s.ttft + std::max(0.0, output - 1) * s.tpot;
  return s;
}

// In steady state the others complete one request every `output` tokens, and each is replaced.
Steady steady(const LlmConfig& c, double others, double busy, double prompt, double output) {
  return steady(c, others, busy, prompt, output, others / output);
}

// N requests sent at once, all admitted (N within the running limit): a prefill phase, in which
// the prompts go through k iterations (chunks of the token budget beside the decodes of those
// already started, or separate prefill passes), then decode-only steps until all N finish
// together (same output length). First tokens land evenly over the k prefill iterations; after
// its first token a request still sees (k-1)/2 prefill iterations on average, then decode steps.
void burst(const LlmConfig& c, double n, double prompt, double output, LoadEstimate& e) {
  const double ctx = decode_context(c, prompt, output);
  double k = 0, per_iteration = 0;
  if (c.device.stack->chunked_prefill) {
    k = std::max(1.0, std::ceil(n * prompt / token_budget(c)));
    per_iteration = iteration_time(c, n / 2, prompt, n * prompt / k, prompt / 2);
  } else {
    k = std::max(1.0, std::ceil(n * prompt / c.device.memory->max_prefill_tokens));
    per_iteration = prefill_time(c, static_cast<int>(std::ceil(n)), prompt) / k;
  }
  const double prefill_phase = k * per_iteration;
  const double step = decode_step_time(c, static_cast<int>(std::ceil(n)), ctx);
  const double after_first = std::max(0.0, output - 1);  // tokens after each request's first
  const double gaps = std::max(1.0, after_first);
  const double during_prefill = std::min((k - 1) / 2, gaps);
  e.running = n;
  e.tpot_s = (during_prefill * per_iteration + (gaps - during_prefill) * step) / gaps;
  e.ttft_avg_s = e.ttft_p50_s = prefill_phase * (k + 1) / (2 * k);
  e.ttft_p90_s = prefill_phase * std::ceil(0.9 * k) / k;
  e.ttft_p99_s = prefill_phase * std::ceil(0.99 * k) / k;
  e.e2e_s = e.ttft_avg_s + after_first * e.tpot_s;
  const double makespan = prefill_phase + after_first * step;
  e.requests_per_s = n / makespan;
  e.tokens_per_s = e.requests_per_s * output;
}

void fill(LoadEstimate& e, const Steady& s, double running, double output) {
  e.running = running;
  e.tpot_s = s.tpot;
  e.ttft_avg_s = e.ttft_p50_s = e.ttft_p90_s = e.ttft_p99_s = s.ttft + e.queue_wait_s;
  e.e2e_s = s.e2e + e.queue_wait_s;
  e.requests_per_s = running / s.e2e;
  e.tokens_per_s = e.requests_per_s * output;
}

// A finite open-loop run (N requests at R/s), stepped through. The queueing formulas below assume
// a steady state, which a finite run reaches only if its N/R seconds of arrivals are long against
// a request's latency, and which a run past the engine's capacity never reaches: its backlog does
// not jump to N in flight but grows by what arrives less what completes, and nothing completes
// before its O tokens are out, however many are in flight. So the run goes in chunks of
// iterations: what arrived during a chunk is admitted at its start while the engine has places
// (the rest wait), its prompts are prefilled inside the chunk's iterations, and it leaves when
// its O iterations are done. Gives the mean ITL over every token (as benchmarks average it), the
// run's tokens over its span, the mean in flight and the mean latency (Little's law over the run).
struct FiniteRun {
  double running = 0, tpot = 0, e2e = 0, requests_per_s = 0;
};

FiniteRun simulate_finite_run(const LlmConfig& c, double rate, double requests, double limit, double prompt,
                              double output) {
  // At most 32 chunks per request's life, and at least ~1/128 of the arrivals per chunk (a long,
  // light run is near its steady state: finer steps cost time and change nothing). A whole number
  // of chunks spans exactly O iterations.
  const double fastest = decode_step_time(c, 1, decode_context(c, prompt, output));
  const double wanted = std::max(output / 32, requests / rate / 128 / fastest);
  const auto chunks = static_cast<size_t>(std::max(1.0, std::ceil(output / std::max(1.0, wanted))));
  const double per_chunk = output / static_cast<double>(chunks);  // iterations
  std::deque<double> cohorts;  // requests admitted per chunk, oldest first
  double t = 0, arrived = 0, waiting = 0, running = 0, in_flight_s = 0, waiting_s = 0, gaps_s = 0, tokens = 0;
  const double none = 1e-9 * requests;  // what rounding leaves of a drained queue or engine
  while (true) {
    // Idle between arrivals: on to the next request's worth.
    if (running <= none && waiting <= none) t = std::max(t, std::min(requests, arrived + 1) / rate);
    const double now = std::min(requests, rate * t);
    waiting += now - arrived;
    arrived = now;
    const double admit = std::min(waiting, std::max(0.0, limit - running));
    waiting -= admit;
    running += admit;
    cohorts.push_back(admit);
    // The chunk's iterations decode the running ones and prefill the admitted prompts (something
    // runs: an idle engine waited above for the next request's worth).
    const double tau = steady(c, running - 1, 1.0, prompt, output, admit / per_chunk).tpot;
    const double span = per_chunk * tau;
    in_flight_s += running * span;
    waiting_s += waiting * span;
    // The admitted get their first tokens evenly over the chunk's prefill work (as in a burst's
    // prefill phase): on average half the chunk is TTFT to them, the other half inter-token gaps.
    const double decoding = running - admit / 2;
    gaps_s += decoding * span;
    tokens += decoding * per_chunk;
    t += span;
    if (cohorts.size() >= chunks) {
      running = std::max(0.0, running - cohorts.front());
      cohorts.pop_front();
    }
    if (arrived >= requests && waiting <= none && running <= none) break;
  }
  return {in_flight_s / t, gaps_s / tokens, (in_flight_s + waiting_s) / requests, requests / t};
}

// Erlang C: the probability that a Poisson arrival finds all `c` servers busy at offered load `a`
// (a < c), through the Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)), stable for large c.
double erlang_c(int c, double a) {
  double b = 1;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return c * b / (c - a * (1 - b));
}

}  // namespace

double running_limit(const LlmConfig& c, double prompt, double output, double headroom) {
  const double context = prompt + output;
  const int cap = static_cast<int>(std::min(c.device.stack->max_batch, 65536.0));
  const int kv = max_batch(c, context, cap, headroom);
  double limit = kv;
  if (c.model->kind == ModelKind::kDecoder && c.device.stack->chunked_prefill) {
    // Every iteration must carry the running sequences' tokens plus the prompts that replace
    // the ones finishing: n (1 + P/O) within the token budget.
    limit = std::min(limit, std::floor(token_budget(c) * output / (output + prompt)));
  }
  return kv == 0 ? 0 : std::max(1.0, limit);
}

LoadEstimate estimate_load(const LlmConfig& c, const Load& load, double prompt, double output, double headroom) {
  LoadEstimate e;
  e.load = load;
  e.running_limit = running_limit(c, prompt, output, headroom);
  const double limit = std::max(1.0, e.running_limit);
  if (c.model->kind != ModelKind::kDecoder) {
    // Encoders and vision models: one pass per batch (perf/llm.h serve_at), no decode phase.
    const double n = load.kind == Load::Kind::kMax ? limit : std::min(limit, std::max(1.0, load.value));
    const auto s = serve_at(c, static_cast<int>(n), prompt, 1);
    e.running = n;
    e.capacity_rps = serve_at(c, static_cast<int>(limit), prompt, 1).requests_per_s;
    e.ttft_avg_s = e.ttft_p50_s = e.ttft_p90_s = e.ttft_p99_s = e.e2e_s = s.request_latency_s;
    e.requests_per_s = load.kind == Load::Kind::kRate ? std::min(load.value, e.capacity_rps) : s.requests_per_s;
    e.saturated = load.kind == Load::Kind::kRate && load.value > e.capacity_rps;
    e.memory = s.memory;
    return e;
  }
  const Steady at_limit = steady(c, limit - 1, 1.0, prompt, output);
  e.capacity_rps = limit / at_limit.e2e;

  switch (load.kind) {
    case Load::Kind::kBatch: {
      // All start together: the batch's prefill, then its decode steps (perf/llm.h serve_at).
      const auto s = serve_at(c, static_cast<int>(load.value), prompt, output);
      e.running = load.value;
      e.ttft_avg_s = e.ttft_p50_s = e.ttft_p90_s = e.ttft_p99_s = prefill_time(c, static_cast<int>(load.value), prompt);
      e.tpot_s = s.tpot_s;
      e.e2e_s = s.request_latency_s;
      e.tokens_per_s = s.tokens_per_s;
      e.requests_per_s = s.requests_per_s;
      e.memory = s.memory;
      return e;
    }
    case Load::Kind::kMax: {
      fill(e, at_limit, limit, output);
      e.ttft_steady = false;
      break;
    }
    case Load::Kind::kBurst: {
      if (load.value > limit) {
        // More than the engine holds: it runs at its limit until the backlog drains.
        fill(e, at_limit, limit, output);
        e.ttft_steady = false;
        break;
      }
      burst(c, load.value, prompt, output, e);
      break;
    }
    case Load::Kind::kConcurrency: {
      const double n = std::min(load.value, limit);
      const Steady s = steady(c, n - 1, n > 1 ? (n - 1) / n : 0.0, prompt, output);
      if (load.value > limit) {
        // Clients beyond the engine's limit wait in its queue: Little's law over all N.
        e.queue_wait_s = load.value / (n / s.e2e) - s.e2e;
      }
      fill(e, s, n, output);
      break;
    }
    case Load::Kind::kRate: {
      const double rate = load.value;
      const bool finite = load.requests > 0;
      // A steady state holds at most min(limit, N) in flight: a finite run never has more than its
      // N requests, however far the rate is past what the engine completes.
      const double cap = finite ? std::min(limit, load.requests) : limit;
      const Steady at_cap = cap < limit ? steady(c, cap - 1, 1.0, prompt, output) : at_limit;
      // Past capacity there is no steady state and TTFT is the run's backlog. An endless run then
      // holds the engine at its cap; a finite one is stepped through.
      auto saturate = [&] {
        if (finite) {
          // TTFT is then the run's mean latency less its decode: the backlog's, not a steady state.
          const FiniteRun run = simulate_finite_run(c, rate, load.requests, limit, prompt, output);
          e.running = run.running;
          e.tpot_s = run.tpot;
          e.e2e_s = run.e2e;
          e.ttft_avg_s = e.ttft_p50_s = e.ttft_p90_s = e.ttft_p99_s = std::max(0.0, run.e2e - (output - 1) * run.tpot);
          e.requests_per_s = run.requests_per_s;
          e.tokens_per_s = run.requests_per_s * output;
        } else {
          fill(e, at_cap, cap, output);
        }
        e.saturated = true;
        e.ttft_steady = false;
      };
      if (rate >= cap / at_cap.e2e) {
        saturate();
        break;
      }
      // Little's law n = R x e2e(n): e2e grows with n, so bisect on n in [0, cap].
      auto others_e2e = [&](double n) { return steady(c, n, std::min(1.0, n), prompt, output).e2e; };
      double lo = 0, hi = cap;
      for (int i = 0; i < 60; ++i) {
        const double mid = (lo + hi) / 2;
        (rate * others_e2e(mid) > mid ? lo : hi) = mid;
      }
      const double n = std::max(lo, 1e-9);
      const Steady s = steady(c, n, std::min(1.0, n), prompt, output);
      // Poisson arrivals contend for prefill: M/D/1 with the prompt's own prefill time as service.
      const double service = c.device.stack->chunked_prefill ? iteration_time(c, 0, 0, prompt, prompt / 2) : prefill_time(c, 1, prompt);
      const double rho = rate * service;
      if (rho >= 1) {
        saturate();
        break;
      }
      const double prefill_wait = rho * service / (2 * (1 - rho));
      // Poisson arrivals also wait for a free place in the engine when its limit, not the run's
      // length, caps what is in flight: M/G/c with c = the limit, each place held for a request's
      // latency. Erlang C gives the chance of waiting, and the Allen-Cunneen approximation scales
      // M/M/c's mean wait C S / (c - a) by (1 + cs^2) / 2 = 1/2 for fixed lengths (cs = 0), as the
      // prefill queue above (M/D/1). Near the limit this dominates TTFT: at 99% of 20 places the
      // mean wait is ~2.4 request latencies, where the prefill queue alone says a few milliseconds.
      double place_wait = 0, place_p = 0;
      const int places = static_cast<int>(std::floor(cap));
      if ((!finite || load.requests > limit) && n < places) {
        place_p = erlang_c(places, n);
        place_wait = place_p * s.e2e / (places - n) / 2;
      }
      e.queue_wait_s = prefill_wait + place_wait;
      e.place_wait_s = place_wait;
      fill(e, s, std::max(n, 1.0), output);
      e.requests_per_s = rate;  // an endless run completes what arrives
      e.tokens_per_s = rate * output;
      if (finite) {
        // TTFT stays the queues' (the run is below capacity); ITL and throughput are the run's.
        const FiniteRun run = simulate_finite_run(c, rate, load.requests, limit, prompt, output);
        e.tpot_s = run.tpot;
        e.e2e_s = e.ttft_avg_s + std::max(0.0, output - 1) * e.tpot_s;
        e.requests_per_s = run.requests_per_s;
        e.tokens_per_s = run.requests_per_s * output;
      }
      // Waiting times are near-exponential given a wait (probability rho for the prefill queue,
      // Erlang C for a place): quantiles of each, added (an upper bound for their sum's).
      auto wait_q = [](double mean, double p_wait, double p) {
        if (p_wait <= 1 - p) return 0.0;
        return mean / p_wait * std::log(p_wait / (1 - p));
      };
      auto ttft_q = [&](double p) { return s.ttft + wait_q(prefill_wait, rho, p) + wait_q(place_wait, place_p, p); };
      e.ttft_p50_s = ttft_q(0.5);
      e.ttft_p90_s = ttft_q(0.9);
      e.ttft_p99_s = ttft_q(0.99);
      break;
    }
  }
  e.memory = memory_for(c, static_cast<int>(std::ceil(e.running)), prompt + output);
  return e;
}

}  // namespace frugal
