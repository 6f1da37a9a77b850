// Small hand-built clusters for policy tests.
#pragma once

#include "sched/cluster.h"

inline frugal::sched::Node make_node(const char* name, int gpus, std::int64_t cpu = 32000, int model = 0) {
  frugal::sched::Node n;
  n.name = name;
  n.model = model;
  n.cpu_total = n.cpu_left = cpu;
  n.mem_total = n.mem_left = 256 * 1024;
  n.gpu_left.assign(gpus, frugal::sched::kMilliPerGpu);
  return n;
}

inline frugal::sched::Task share(int milli, std::int64_t cpu = 1000) {
  frugal::sched::Task t;
  t.cpu = cpu;
  t.mem = 1024;
  t.num_gpu = 1;
  t.gpu_milli = milli;
  return t;
}

inline frugal::sched::Task whole(int gpus, std::int64_t cpu = 1000) {
  frugal::sched::Task t;
  t.cpu = cpu;
  t.mem = 1024;
  t.num_gpu = gpus;
  t.gpu_milli = frugal::sched::kMilliPerGpu;
  return t;
}
