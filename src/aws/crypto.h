// Hashes for request signing (OpenSSL's libcrypto).
#pragma once

#include <string>
#include <string_view>

namespace frugal::aws {

std::string sha256_hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

}  // namespace frugal::aws
