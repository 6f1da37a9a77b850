// The streaming completion APIs as a load generator sees them: OpenAI-compatible completions and
// chat (vLLM, TGI, TensorRT-LLM, NIM, SGLang, llama.cpp server) and the TGI/LMI `inputs` schema
// that SageMaker's TGI and LMI containers take: the request body, and what each event says.
#pragma once

#include <optional>
#include <string>

#include "loadgen/lengths.h"

namespace frugal::loadgen {

// /v1/completions, /v1/chat/completions, and {"inputs", "parameters"} (TGI generate_stream, LMI)
enum class Api { kCompletions, kChat, kTgi };

struct RequestShape {
  std::string model;      // the served model name the endpoint expects
  int prompt_tokens = 0;  // approximate: one common word per token (no tokenizer needed)
  int output_tokens = 0;  // max_tokens, with min_tokens/ignore_eos so the server does not stop early
  // When set, each request draws its own lengths (the fields above are then their means).
  std::optional<LengthDist> prompt_lengths, output_lengths;
};

// A streamed request body. `salt` starts the prompt, so no two requests share a prefix the
// server could cache (which would understate time to first token).
std::string request_body(Api api, const RequestShape& shape, unsigned long salt);

// One streamed event's meaning.
struct StreamEvent {
  bool done = false;        // "[DONE]"
  int content_pieces = 0;   // 1 when it carries generated text (a chunk; often one token)
  std::optional<int> prompt_tokens, completion_tokens;  // the server's usage, when it sends it
  bool finished = false;    // a finish_reason was given
  std::string error;        // an error object in the stream, or a malformed event
};
StreamEvent interpret_event(Api api, const std::string& data);

}  // namespace frugal::loadgen
