#include "core/output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

using namespace frugal;

namespace {
Table sample() {
  Table t;
  t.title = "T";
  t.columns = {{"name", "Name"}, {"cost", "$/h", true}};
  t.rows.push_back({Cell("p5.48xlarge"), Cell("$55.04", 55.04)});
  t.rows.push_back({Cell("a,\"b\""), Cell("$1.00", 1.0)});
  t.notes.push_back("note");
  return t;
}
}  // namespace

TEST(Output, TableAlignsColumns) {
  std::ostringstream o;
  render_table(sample(), o);
  EXPECT_EQ(o.str(),
            "T\n"
            "Name            $/h\n"
            "-----------  ------\n"
            "p5.48xlarge  $55.04\n"
            "a,\"b\"         $1.00\n"
            "  note\n");
}

TEST(Output, CsvQuotesAndUsesTypedValues) {
  std::ostringstream o;
  render_csv(sample(), o);
  EXPECT_EQ(o.str(), "name,cost\np5.48xlarge,55.04\n\"a,\"\"b\"\"\",1.0\n");
}

TEST(Output, JsonKeepsNumbers) {
  auto j = sample().to_json();
  EXPECT_EQ(j["rows"][0]["cost"].get<double>(), 55.04);
  EXPECT_EQ(j["notes"][0], "note");
}

TEST(Output, FormatParsing) {
  EXPECT_EQ(parse_output_format("json"), OutputFormat::kJson);
  EXPECT_THROW(parse_output_format("xml"), Error);
}

TEST(Output, AtomicWriteReplacesWholeFile) {
  auto dir = std::filesystem::temp_directory_path() / ("frugal_output_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "out.txt").string();
  write_file_atomic(path, "first");
  write_file_atomic(path, "second");
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(s, "second");
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename(), "out.txt") << "temporary file left behind";
  }
  EXPECT_THROW(write_file_atomic((dir / "missing" / "x.txt").string(), "x"), Error);
  std::filesystem::remove_all(dir);
}

#include <zlib.h>

#include "core/gzip.h"
#include "test_util.h"


TEST(Gunzip, StreamsInPiecesAndConcatenatedMembers) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + ",p5.48xlarge,55.04\n";
  const std::string gz = gzip_bytes(text) + gzip_bytes("tail\n");
  ASSERT_TRUE(looks_gzipped(gz));
  std::string out;
  Gunzip g([&](std::string_view s) { out.append(s); }, "x.gz");
  for (std::size_t i = 0; i < gz.size(); i += 777) g.feed(std::string_view(gz).substr(i, 777));
  g.finish();
  EXPECT_EQ(out, text + "tail\n");
}

TEST(Gunzip, TruncatedAndCorruptInputAreErrors) {
  const std::string gz = gzip_bytes(std::string(100000, 'a'));
  {
    Gunzip g([](std::string_view) {}, "cut.gz");
    g.feed(std::string_view(gz).substr(0, gz.size() / 2));
    try {
      g.finish();
      FAIL();
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "cut.gz: truncated gzip data (the file ends inside a compressed member)");
    }
  }
  std::string bad = gz;
  bad[20] ^= 0x55;
  bad[21] ^= 0x55;
  Gunzip g([](std::string_view) {}, "bad.gz");
  EXPECT_THROW({ g.feed(bad); g.finish(); }, Error);
}
