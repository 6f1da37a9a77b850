// Helpers shared by the unit tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>
#include <zlib.h>

// The paths temp_path and write_temp handed out, removed (with SQLite's -wal/-shm/-journal and a
// .lock beside them) when the test process exits, so that runs leave nothing in the temporary
// folder. A test that crashes leaves its files; ctest then reports the crash.
class TempFiles {
 public:
  ~TempFiles() {
    std::error_code ec;
    for (const auto& p : paths_) {
      std::filesystem::remove_all(p, ec);
      for (const char* side : {"-wal", "-shm", "-journal", ".lock"}) std::filesystem::remove(p.string() + side, ec);
    }
  }
  void add(const std::filesystem::path& p) { paths_.push_back(p); }

 private:
  std::vector<std::filesystem::path> paths_;
};

inline TempFiles& temp_files() {
  static TempFiles files;
  return files;
}

// A fresh path `<pid>_name` in the temporary folder (anything already there is removed), removed
// again when the process exits. The pid keeps tests that ctest runs in parallel (one process per
// test) from sharing a path.
inline std::string temp_path(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / (std::to_string(getpid()) + "_" + name);
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
  temp_files().add(p);
  return p.string();
}

// Writes `text` to temp_path(name) and returns the path.
inline std::string write_temp(const std::string& name, const std::string& text) {
  auto p = temp_path(name);
  std::ofstream(p) << text;
  return p;
}

// gzip-compresses `s` (one member), for tests of the streaming decompressor and S3 downloads.
inline std::string gzip_bytes(const std::string& s) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(static_cast<uLong>(s.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
