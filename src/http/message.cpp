#include "http/message.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace frugal::http {

namespace {
// RFC 9110 section 5.6.2 tchar.
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
// The comma-separated elements of a list-valued field, trimmed, empty ones dropped.
std::vector<std::string_view> list_elements(std::string_view v) {
  std::vector<std::string_view> out;
  while (!v.empty()) {
    const auto comma = v.find(',');
    auto e = trim_ows(v.substr(0, comma));
    if (!e.empty()) out.push_back(e);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}
HeadResult fail(int status, std::string why) {
  HeadResult r;
  r.status = HeadResult::kError;
  r.error_status = status;
  r.error = std::move(why);
  return r;
}
constexpr std::size_t kMaxHeaders = 100;
constexpr std::size_t kMaxChunkLine = 1024;
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

std::string Request::header(std::string_view name) const {
  std::string out;
  for (const auto& [k, v] : headers) {
    if (k == name) out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

bool Request::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == name; });
}

std::string Request::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto pair = q.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

HeadResult parse_head(std::string_view buf, std::size_t max_bytes, Request& req) {
  req = Request{};
  std::size_t p = 0;
  bool have_request_line = false;
  bool have_length = false, have_te = false, have_host = false;
  std::string length_text;
  HeadResult r;
  for (;;) {
    const std::size_t nl = buf.find('\n', p);
    if (nl == std::string_view::npos || nl + 1 > max_bytes) {
      if (buf.size() >= max_bytes || nl != std::string_view::npos) {
        return have_request_line ? fail(431, fmt::format("request head larger than {} bytes", max_bytes))
                                 : fail(414, fmt::format("request line longer than {} bytes", max_bytes));
      }
      return r;  // incomplete
    }
    std::string_view line = buf.substr(p, nl - p);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    p = nl + 1;
    if (line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) {
      return fail(400, "a bare CR or a NUL byte in the request head");
    }
    if (!have_request_line) {
      if (line.empty()) continue;  // RFC 9112 2.2: empty lines before the request line are ignored
      const auto s1 = line.find(' ');
      const auto s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
      if (s2 == std::string_view::npos || line.find(' ', s2 + 1) != std::string_view::npos) {
        return fail(400, "request line: expected METHOD SP TARGET SP HTTP-VERSION");
      }
      const auto method = line.substr(0, s1), target = line.substr(s1 + 1, s2 - s1 - 1), version = line.substr(s2 + 1);
      if (!is_token(method)) return fail(400, "request line: the method is not a token");
      if (target.empty() || target.front() != '/') return fail(400, "request line: the target must be an absolute path (origin-form)");
      if (!std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        return fail(400, "request line: the target has characters outside visible ASCII");
      }
      if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
          version[5] > '9' || version[7] < '0' || version[7] > '9') {
        return fail(400, "request line: expected HTTP/1.0 or HTTP/1.1");
      }
      if (version[5] != '1') return fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
      req.method = std::string(method);
      req.target = std::string(target);
      req.minor_version = version[7] - '0';
      const auto q = target.find('?');
      req.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) req.query = parse_query(target.substr(q + 1));
      have_request_line = true;
      continue;
    }
    if (line.empty()) break;  // end of the head
    if (line.front() == ' ' || line.front() == '\t') return fail(400, "obsolete header line folding is not accepted");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400, "a header line without ':'");
    const auto name = line.substr(0, colon);
    if (!is_token(name)) return fail(400, "a header name that is not a token (whitespace before ':'?)");
    if (req.headers.size() >= kMaxHeaders) return fail(431, fmt::format("more than {} header fields", kMaxHeaders));
    std::string lname = lowered(name);
    const auto value = trim_ows(line.substr(colon + 1));
    if (lname == "content-length") {
      for (auto e : list_elements(value)) {
        if (!std::all_of(e.begin(), e.end(), [](char c) { return c >= '0' && c <= '9'; }) || (have_length && e != length_text)) {
          return fail(400, "content-length: expected one decimal length");
        }
        length_text = std::string(e);
        have_length = true;
      }
      if (!have_length) return fail(400, "content-length: expected one decimal length");
    } else if (lname == "transfer-encoding") {
      have_te = true;
      const auto codings = list_elements(value);
      if (codings.size() != 1 || lowered(codings[0]) != "chunked") {
        return fail(501, "transfer-encoding: only chunked is supported");
      }
    } else if (lname == "host") {
      if (have_host) return fail(400, "host: more than one Host field");
      have_host = true;
    } else if (lname == "expect") {
      if (lowered(value) == "100-continue") r.expect_continue = true;
    }
    req.headers.emplace_back(std::move(lname), std::string(value));
  }
  // Persistence (RFC 9112 9.3): HTTP/1.1 keeps the connection unless told to close; HTTP/1.0
  // only when asked to keep it alive.
  const std::string connection = lowered(req.header("connection"));
  bool close = false, keep = false;
  for (auto e : list_elements(connection)) close |= e == "close", keep |= e == "keep-alive";
  r.keep_alive = req.minor_version >= 1 ? !close : keep && !close;
  if (req.minor_version >= 1 && !have_host) return fail(400, "host: HTTP/1.1 requests need a Host field");
  if (have_te && have_length) return fail(400, "both Transfer-Encoding and Content-Length (a smuggling attempt?)");
  if (have_te && req.minor_version == 0) return fail(400, "transfer-encoding: not allowed in HTTP/1.0");
  if (have_te) {
    r.framing = Framing::kChunked;
  } else if (have_length) {
    auto [ptr, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), r.content_length);
    if (ec != std::errc() || ptr != length_text.data() + length_text.size()) return fail(400, "content-length: too large a number");
    r.framing = r.content_length > 0 ? Framing::kLength : Framing::kNone;
  }
  r.status = HeadResult::kComplete;
  r.consumed = p;
  return r;
}

ChunkedResult decode_chunked(std::string_view buf, std::size_t max_body, std::string& out) {
  out.clear();
  ChunkedResult r;
  std::size_t p = 0;
  auto line_at = [&](std::size_t from, std::string_view& line) -> int {  // 1 found, 0 more, -1 too long
    const auto nl = buf.find('\n', from);
    if (nl == std::string_view::npos) return buf.size() - from > kMaxChunkLine ? -1 : 0;
    if (nl - from > kMaxChunkLine) return -1;
    line = buf.substr(from, nl - from);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return 1;
  };
  for (;;) {
    std::string_view line;
    const int got = line_at(p, line);
    if (got < 0) return {ChunkedResult::kError, 0, "chunked body: a chunk-size line longer than 1024 bytes"};
    if (got == 0) return r;
    const auto semi = line.find(';');
    const auto digits = trim_ows(line.substr(0, semi));
    if (digits.empty() || digits.size() > 15) return {ChunkedResult::kError, 0, "chunked body: expected a hexadecimal chunk size"};
    std::uint64_t size = 0;
    for (char c : digits) {
      const int v = hex_value(c);
      if (v < 0) return {ChunkedResult::kError, 0, "chunked body: expected a hexadecimal chunk size"};
      size = size * 16 + static_cast<std::uint64_t>(v);
    }
    p += (buf.find('\n', p) - p) + 1;
    if (size == 0) {
      // Trailer fields, then the blank line that ends the message.
      for (;;) {
        std::string_view t;
        const int tg = line_at(p, t);
        if (tg < 0) return {ChunkedResult::kError, 0, "chunked body: a trailer line longer than 1024 bytes"};
        if (tg == 0) return r;
        p += (buf.find('\n', p) - p) + 1;
        if (t.empty()) {
          r.status = ChunkedResult::kComplete;
          r.consumed = p;
          return r;
        }
      }
    }
    if (size > max_body - std::min<std::uint64_t>(out.size(), max_body)) return {ChunkedResult::kTooLarge, 0, ""};
    if (buf.size() - p < size) return r;
    out.append(buf.substr(p, size));
    p += size;
    if (buf.size() - p < 1) return r;
    if (buf[p] == '\r') {
      if (buf.size() - p < 2) return r;
      if (buf[p + 1] != '\n') return {ChunkedResult::kError, 0, "chunked body: expected CRLF after the chunk data"};
      p += 2;
    } else if (buf[p] == '\n') {
      p += 1;
    } else {
      return {ChunkedResult::kError, 0, "chunked body: expected CRLF after the chunk data"};
    }
  }
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

std::string serialize(const Response& res, bool keep_alive, bool head_only) {
  // Header values come from handlers; CR and LF are dropped so none can split the response.
  auto clean = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c != '\r' && c != '\n') out += c;
    }
    return out;
  };
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", res.status,
                                reason_phrase(res.status), clean(res.content_type), res.body.size());
  for (const auto& [k, v] : res.headers) out += fmt::format("{}: {}\r\n", clean(k), clean(v));
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) out += res.body;
  return out;
}

}  // namespace frugal::http
