#include "telemetry/publish.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>

#include "core/error.h"

namespace frugal::telemetry {

std::vector<std::string> render_emf(const CloudBatch& batch, const std::string& ns) {
  // Group metrics by their dimension set: one EMF object per set.
  std::map<std::vector<std::pair<std::string, std::string>>, std::vector<const CloudMetric*>> groups;
  for (const auto& m : batch.metrics) groups[m.dimensions].push_back(&m);
  std::vector<std::string> lines;
  const auto ms = static_cast<long long>(std::llround(batch.time * 1000));
  for (const auto& [dims, metrics] : groups) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& d : dims) names.push_back(d.first);
    nlohmann::json defs = nlohmann::json::array();
    nlohmann::json obj;
    for (const auto* m : metrics) {
      defs.push_back({{"Name", m->name}, {"Unit", m->unit}});
      obj[m->name] = m->value;
    }
    obj["_aws"] = {{"Timestamp", ms},
                   {"CloudWatchMetrics", nlohmann::json::array({{{"Namespace", ns},
                                                                  {"Dimensions", nlohmann::json::array({names})},
                                                                  {"Metrics", defs}}})}};
    for (const auto& d : dims) obj[d.first] = d.second;
    lines.push_back(obj.dump());
  }
  return lines;
}

void EmfFilePublisher::publish(const CloudBatch& batch) {
  std::ofstream out(path_, std::ios::app);
  if (!out) throw Error(path_ + ": cannot open for appending");
  for (const auto& line : render_emf(batch, ns_)) out << line << '\n';
  out.flush();
  if (!out) throw Error(path_ + ": write failed");
}

AsyncPublisher::AsyncPublisher(std::unique_ptr<MetricPublisher> sink, std::size_t max_pending)
    : sink_(std::move(sink)), max_pending_(max_pending), thread_([this] { loop(); }) {}

AsyncPublisher::~AsyncPublisher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AsyncPublisher::submit(CloudBatch batch) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_pending_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(std::move(batch));
  }
  cv_.notify_one();
}

void AsyncPublisher::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ and drained
    CloudBatch b = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::string err;
    try {
      sink_->publish(b);
    } catch (const std::exception& e) {
      err = e.what();
    }
    lock.lock();
    if (err.empty()) {
      ++published_;
    } else {
      ++failed_;
      last_error_ = err;
    }
  }
}

std::size_t AsyncPublisher::published() const {
  std::lock_guard lock(mu_);
  return published_;
}
std::size_t AsyncPublisher::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}
std::size_t AsyncPublisher::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}
std::string AsyncPublisher::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace frugal::telemetry
