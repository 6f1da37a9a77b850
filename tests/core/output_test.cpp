#include "core/output.h"

#include <gtest/gtest.h>

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
  auto dir = std::filesystem::temp_directory_path() / "frugal_output_test";
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
