#include "loadgen/openai.h"

#include <nlohmann/json.hpp>

#include <array>

namespace frugal::loadgen {

namespace {
// Common English words that are one token in the Llama, Mistral, GPT and Qwen tokenizers.
constexpr std::array<const char*, 16> kWords = {"the", "cost", "of", "a", "GPU", "hour", "is", "what", "we",
                                                "pay", "for", "each", "token", "that", "it", "makes"};
}  // namespace

std::string request_body(Api api, const RequestShape& shape, unsigned long salt) {
  std::string prompt = std::to_string(salt);
  for (int i = 1; i < shape.prompt_tokens; ++i) {
    prompt += ' ';
    prompt += kWords[static_cast<std::size_t>(i) % kWords.size()];
  }
  if (api == Api::kTgi) {
    // TGI and LMI stop at max_new_tokens; neither has ignore_eos, so outputs may end earlier (the
    // server's generated_tokens then says how many it made).
    return nlohmann::json{{"inputs", prompt},
                          {"parameters", {{"max_new_tokens", shape.output_tokens}, {"details", true}, {"do_sample", false}}},
                          {"stream", true}}
        .dump();
  }
  nlohmann::json j = {{"model", shape.model},
                      {"max_tokens", shape.output_tokens},
                      {"min_tokens", shape.output_tokens},  // vLLM, SGLang: a fixed output length
                      {"ignore_eos", true},                 // vLLM, TensorRT-LLM, TGI
                      {"stream", true},
                      {"stream_options", {{"include_usage", true}}},
                      {"temperature", 0}};
  if (api == Api::kChat) {
    j["messages"] = nlohmann::json::array({{{"role", "user"}, {"content", prompt}}});
  } else {
    j["prompt"] = prompt;
  }
  return j.dump();
}

StreamEvent interpret_event(Api api, const std::string& data) {
  StreamEvent ev;
  if (data == "[DONE]") {
    ev.done = true;
    return ev;
  }
  const auto j = nlohmann::json::parse(data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    ev.error = "a streamed event that is not a JSON object";
    return ev;
  }
  if (j.contains("error")) {
    const auto& e = j["error"];
    ev.error = e.is_object() && e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : e.dump();
    return ev;
  }
  if (api == Api::kTgi) {
    // {"token": {"text": " hi", "special": false}, "generated_text": null | "...", "details": null | {...}}
    if (j.contains("token") && j["token"].is_object()) {
      const auto& t = j["token"];
      const bool special = t.contains("special") && t["special"].is_boolean() && t["special"].get<bool>();
      if (!special && t.contains("text") && t["text"].is_string() && !t["text"].get_ref<const std::string&>().empty()) ev.content_pieces = 1;
    }
    if (j.contains("generated_text") && !j["generated_text"].is_null()) ev.finished = true;
    if (j.contains("details") && j["details"].is_object()) {
      const auto& d = j["details"];
      if (d.contains("finish_reason") && !d["finish_reason"].is_null()) ev.finished = true;
      if (d.contains("generated_tokens") && d["generated_tokens"].is_number_integer()) ev.completion_tokens = d["generated_tokens"].get<int>();
    }
    return ev;
  }
  if (j.contains("usage") && j["usage"].is_object()) {
    const auto& u = j["usage"];
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer()) ev.prompt_tokens = u["prompt_tokens"].get<int>();
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer()) {
      ev.completion_tokens = u["completion_tokens"].get<int>();
    }
  }
  if (j.contains("choices") && j["choices"].is_array()) {
    for (const auto& c : j["choices"]) {
      if (!c.is_object()) continue;
      const nlohmann::json* text = nullptr;
      if (api == Api::kChat && c.contains("delta") && c["delta"].is_object() && c["delta"].contains("content")) {
        text = &c["delta"]["content"];
      } else if (api == Api::kCompletions && c.contains("text")) {
        text = &c["text"];
      }
      if (text && text->is_string() && !text->get_ref<const std::string&>().empty()) ev.content_pieces = 1;
      if (c.contains("finish_reason") && !c["finish_reason"].is_null()) ev.finished = true;
    }
  }
  return ev;
}

}  // namespace frugal::loadgen
