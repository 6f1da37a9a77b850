#include "cli/telemetry_setup.h"

#include <fmt/format.h>

#include "aws/environment.h"
#include "aws/imds.h"
#include "catalog/catalog.h"
#include "cli/catalog_open.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/toml_util.h"
#include "core/units.h"
#include "telemetry/history.h"

namespace frugal::cli {

void add_telemetry_options(CLI::App* cmd, TelemetryOptions& o, bool region_option) {
  cmd->add_option("--instance-type", o.instance_type,
                  "EC2 instance type that prices the GPUs (default: from EC2 instance metadata)");
  cmd->add_option("--instance-id", o.instance_id,
                  "EC2 instance id kept in the history, for `frugal bill --telemetry` (default: from EC2 instance metadata)");
  if (region_option) {
    cmd->add_option("--region", o.region, "Region whose prices apply (default: AWS_REGION, the profile's, instance metadata, else us-east-1)");
  }
  cmd->add_option("--purchase", o.purchase, "Price list: on-demand or spot")->check(CLI::IsMember({"on-demand", "spot"}));
  cmd->add_option("--price-per-hour", o.price_per_hour,
                  "Your own hourly price for the whole instance (savings plan, reserved, negotiated)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--idle-threshold", o.idle_threshold, "Utilization ratio under which a GPU is idle (default 0.10)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--idle-grace", o.idle_grace, "How long low utilization must last to count as idle (default 5m)");
  cmd->add_option("--interval", o.interval, "Sampling interval (default 1s)");
  cmd->add_option("--db", o.db, "History database (default: ~/.local/state/frugal/telemetry.db)");
  cmd->add_option("--nvml-library", o.nvml_library, "Load NVML from this path instead of libnvidia-ml.so.1");
}

TelemetrySetup setup_telemetry(const GlobalOptions& g, const TelemetryOptions& o) {
  TelemetrySetup s;
  s.data_dir = resolve_data_dir(g.data_dir);
  s.policy = telemetry::load_idle_policy(s.data_dir);
  if (o.idle_threshold) s.policy.threshold = *o.idle_threshold;
  if (!o.idle_grace.empty()) s.policy.grace_s = parse_duration(o.idle_grace, "--idle-grace");
  const std::string file = s.data_dir + "/telemetry/defaults.toml";
  s.interval_s = o.interval.empty() ? require_number(load_toml_file(file), "interval_seconds", file)
                                    : parse_duration(o.interval, "--interval");
  if (s.interval_s <= 0) throw Error("--interval: must be positive");
  // A gap the agent still charges must cover at least a few intervals.
  s.policy.max_gap_s = std::max(s.policy.max_gap_s, 3 * s.interval_s);
  s.db_path = o.db.empty() ? telemetry::default_history_path() : o.db;

  s.source = telemetry::NvmlSource::open(&s.why, o.nvml_library);
  int nvml_gpus = 0;
  if (s.source) nvml_gpus = s.source->device_count();

  std::string type = o.instance_type;
  std::string imds_note;
  if (type.empty() && !o.price_per_hour) {
    aws::SystemEnvironment env;
    auto http = aws::make_imds_transport();
    auto r = aws::imds_instance_type(*http, env);
    if (r.instance_type) {
      type = *r.instance_type;
      // On EC2 (metadata answered): the instance id too, for the join with the bill.
      if (o.instance_id.empty()) {
        if (auto id = aws::imds_get(*http, env, "instance-id"); id.instance_type) s.instance_id = *id.instance_type;
      }
    } else {
      imds_note = r.why;
    }
  }
  if (!o.instance_id.empty()) s.instance_id = o.instance_id;
  Catalog catalog = open_catalog(s.data_dir);
  const auto regions = pricing_regions(o.region, "", catalog);
  if (regions.regions.size() != 1) throw Error("--region: the agent prices one region");
  catalog.select_region(regions.regions[0]);
  s.price = telemetry::gpu_price(catalog, type, o.purchase, o.price_per_hour, nvml_gpus);
  if (!o.price_per_hour && s.price.instance_hourly > 0) s.price.note += fmt::format(" in {} (region from {})", catalog.region(), regions.from);
  if (!imds_note.empty()) s.price.note += " (" + imds_note + ")";
  return s;
}

}  // namespace frugal::cli
