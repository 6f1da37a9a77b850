// The scripted streaming server as a process, for the CLI test and bench/loadgen.sh:
//   scripted_stream_server TTFT_S ITL_S [FAIL_EVERY [CUT_EVERY]]
//   scripted_stream_server --sagemaker TTFT_S ITL_S [EXCEPTION_EVERY]   (SigV4-checked event stream)
// prints "port N" once listening, then serves until SIGTERM/SIGINT.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>

#include "loadgen/scripted_server.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: scripted_stream_server TTFT_S ITL_S [FAIL_EVERY [CUT_EVERY]]\n";
    return 2;
  }
  frugal::testing::StreamScript s;
  if (std::string(argv[1]) == "--sagemaker") {
    s.sagemaker = true;
    ++argv;
    --argc;
    if (argc < 3) return 2;
    if (argc > 3) s.exception_every = std::atoi(argv[3]);
  } else {
    if (argc > 3) s.fail_every = std::atoi(argv[3]);
    if (argc > 4) s.cut_every = std::atoi(argv[4]);
  }
  s.ttft_s = std::atof(argv[1]);
  s.itl_s = std::atof(argv[2]);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread: only sigwait below takes them
  frugal::testing::ScriptedServer server(s);
  std::cout << "port " << server.port() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  std::_Exit(0);  // workers may be mid-sleep; the test is done with them
}
