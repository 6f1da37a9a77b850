// Pushing GPU metrics to CloudWatch: the agent hands a batch to a MetricPublisher once per
// publish interval. EmfFilePublisher (here) appends CloudWatch Embedded Metric Format lines that
// the CloudWatch agent tails; the CLI adds a PutMetricData publisher built on the aws module.
// AsyncPublisher runs any publisher on its own thread so a slow network never delays sampling.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace frugal::telemetry {

struct CloudMetric {
  std::string name;  // "GPUUtilization"
  std::string unit;  // a CloudWatch unit: "Percent", "Bytes", "Seconds", "None"
  double value = 0;
  std::vector<std::pair<std::string, std::string>> dimensions;  // e.g. {"GPU","0"},{"InstanceType","p4d.24xlarge"}
};

struct CloudBatch {
  double time = 0;  // seconds since the epoch
  std::vector<CloudMetric> metrics;
};

class MetricPublisher {
 public:
  virtual ~MetricPublisher() = default;
  // Throws Error on failure; the caller logs it and goes on.
  virtual void publish(const CloudBatch& batch) = 0;
};

// One EMF JSON object per line per dimension set, appended to `path`.
class EmfFilePublisher final : public MetricPublisher {
 public:
  EmfFilePublisher(std::string path, std::string ns) : path_(std::move(path)), ns_(std::move(ns)) {}
  void publish(const CloudBatch& batch) override;

 private:
  std::string path_;
  std::string ns_;
};

// Renders a batch as EMF lines (exposed for tests).
std::vector<std::string> render_emf(const CloudBatch& batch, const std::string& ns);

class AsyncPublisher {
 public:
  // At most `max_pending` batches wait; older ones are dropped (counted) when the sink is slow.
  AsyncPublisher(std::unique_ptr<MetricPublisher> sink, std::size_t max_pending = 10);
  ~AsyncPublisher();  // drains what is queued, then stops
  void submit(CloudBatch batch);
  std::size_t published() const;
  std::size_t failed() const;
  std::size_t dropped() const;
  std::string last_error() const;

 private:
  void loop();
  std::unique_ptr<MetricPublisher> sink_;
  std::size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<CloudBatch> queue_;
  bool stop_ = false;
  std::size_t published_ = 0, failed_ = 0, dropped_ = 0;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace frugal::telemetry
