// AWS JSON 1.1 protocol (Cost Explorer, Budgets): POST / with X-Amz-Target and a JSON body.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "aws/client.h"

namespace frugal::aws {

// `target_prefix` e.g. "AWSBudgetServiceGateway" or "AWSInsightsIndexService".
nlohmann::json json_call(AwsClient& client, const std::string& target_prefix, const std::string& operation,
                         const nlohmann::json& body);

// STS GetCallerIdentity: the account id the credentials belong to.
std::string account_id(const AwsConfig& cfg);

}  // namespace frugal::aws
