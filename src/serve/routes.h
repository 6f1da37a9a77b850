// `frugal serve`'s routes: the embedded dashboard and its read-only JSON API.
//   GET /, /index.html, /assets/*     the page (public: code, no data)
//   GET /api/v1/fleet                 agents' GPUs and workloads, totals in dollars
//   GET /api/v1/fleet/history         utilisation per GPU over the last hour
//   GET /api/v1/bill                  daily GPU spend, by type, spikes and anomalies
// The CLI adds GET /api/v1/advise (the advisor). With a token, every /api route needs
// "Authorization: Bearer <token>"; nothing takes a body.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "http/router.h"
#include "serve/fleet.h"

namespace frugal::serve {

// `bill`: bill_summary()'s result, computed once. `token`: "" for no authorization (loopback).
http::Router dashboard_router(FleetPoller& fleet, nlohmann::json bill, const std::string& token);

// Options of the /api routes (needs_auth when a token is set, no body).
http::RouteOptions api_route_options(const std::string& token);

}  // namespace frugal::serve
