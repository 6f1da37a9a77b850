#include "http/auth.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace frugal::http {

bool is_loopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

namespace {
// Bits of a token that was drawn uniformly from the smallest usual alphabet holding all its
// characters: a generous estimate for a random token, and a low one for a word.
double token_bits(const std::string& t) {
  auto all = [&](auto pred) { return std::all_of(t.begin(), t.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }); };
  double alphabet = 94;
  if (all([](unsigned char c) { return std::isdigit(c) != 0; })) alphabet = 10;
  else if (all([](unsigned char c) { return std::isxdigit(c) != 0; })) alphabet = 16;
  else if (all([](unsigned char c) { return std::isalnum(c) != 0; })) alphabet = 62;
  else if (all([](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '+' || c == '/' || c == '='; })) alphabet = 64;
  return static_cast<double>(t.size()) * std::log2(alphabet);
}
constexpr double kMinTokenBits = 256;  // 32 random bytes, what the daemon itself generates
}  // namespace

std::string load_or_create_token(const std::string& path) {
  {
    std::ifstream in(path);
    std::string t;
    if (in >> t && !t.empty()) {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        throw Error(fmt::format("{}: the token file is readable by other users (mode {:04o}); run chmod 600 {}", path,
                                st.st_mode & 07777, path));
      }
      const bool printable = std::all_of(t.begin(), t.end(), [](char c) { return c > ' ' && c < 0x7f; });
      if (!printable || token_bits(t) < kMinTokenBits) {
        throw Error(fmt::format("{}: the token is too weak ({:.0f} bits; at least {:.0f} needed, e.g. 64 hex characters from "
                                "`openssl rand -hex 32`)",
                                path, printable ? token_bits(t) : 0.0, kMinTokenBits));
      }
      return t;
    }
  }
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  unsigned char raw[32];
  std::ifstream rnd("/dev/urandom", std::ios::binary);
  if (!rnd.read(reinterpret_cast<char*>(raw), sizeof raw)) throw Error("cannot read /dev/urandom for the API token");
  std::string t;
  for (unsigned char c : raw) t += fmt::format("{:02x}", c);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(fmt::format("{}: cannot write the API token", path));
  const std::string line = t + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) throw Error(fmt::format("{}: cannot write the API token", path));
  return t;
}

namespace {
bool same(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}
}  // namespace

std::function<bool(const Request&)> bearer_authorizer(std::string token) {
  return [token = std::move(token)](const Request& req) {
    const std::string h = req.header("authorization");
    return h.rfind("Bearer ", 0) == 0 && same(h.substr(7), token);
  };
}

}  // namespace frugal::http
