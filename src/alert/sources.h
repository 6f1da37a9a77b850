// The figures `frugal alert run` evaluates, read from the sources its rules file names: bill files
// (FOCUS or CUR, through the same reader and aggregator as `frugal bill`), Cost Explorer, and the
// agents' SQLite histories.
#pragma once

#include <functional>
#include <string>

#include "alert/config.h"
#include "alert/evaluate.h"
#include "aws/config.h"

namespace frugal::alert {

// `aws_config` is called only when Cost Explorer or an s3:// bill is a source.
Inputs gather_inputs(const AlertConfig& c, const std::string& data_dir, const Defaults& d, double now,
                     const std::function<aws::AwsConfig()>& aws_config);

}  // namespace frugal::alert
