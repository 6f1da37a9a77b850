// The real MpsControl: starts `nvidia-cuda-mps-control -d` when the first GPU share runs and
// sends it "quit" when the last one ends.
#pragma once

#include <string>

#include "schedd/scheduler.h"

namespace frugal::schedd {

class NvidiaMpsControl : public MpsControl {
 public:
  explicit NvidiaMpsControl(std::string binary = "nvidia-cuda-mps-control") : binary_(std::move(binary)) {}
  bool start() override;
  void stop() override;
  const std::string& last_error() const { return error_; }

 private:
  std::string binary_, error_;
};

}  // namespace frugal::schedd
