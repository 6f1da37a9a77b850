// Who may call frugal's HTTP servers (the scheduler API, the dashboard): a bearer token kept in
// a file only its owner can read, and whether a listen address stays on this machine.
#pragma once

#include <functional>
#include <string>

#include "http/message.h"

namespace frugal::http {

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);
// Reads the token at `path`, or creates it (32 random bytes as hex, mode 0600) when missing.
// Refuses (Error with the reason) a token file that others may read (group or world bits) or a
// token under 256 bits (its length times the bits of the smallest usual alphabet holding it):
// either would let another user drive the server.
std::string load_or_create_token(const std::string& path);
// An authorizer for Router::set_authorizer: "Authorization: Bearer <token>", compared in
// constant time.
std::function<bool(const Request&)> bearer_authorizer(std::string token);

}  // namespace frugal::http
