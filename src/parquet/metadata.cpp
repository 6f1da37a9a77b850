#include "parquet/metadata.h"

#include "parquet/thrift_compact.h"

namespace frugal::parquet {

const char* to_string(Codec c) {
  switch (c) {
    case Codec::kUncompressed: return "UNCOMPRESSED";
    case Codec::kSnappy: return "SNAPPY";
    case Codec::kGzip: return "GZIP";
    case Codec::kLzo: return "LZO";
    case Codec::kBrotli: return "BROTLI";
    case Codec::kLz4: return "LZ4";
    case Codec::kZstd: return "ZSTD";
    case Codec::kLz4Raw: return "LZ4_RAW";
  }
  return "?";
}

const char* to_string(Encoding e) {
  switch (e) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return "?";
}

namespace {

template <class E>
E enum_in(std::int32_t v, int lo, int hi, const char* what) {
  if (v < lo || v > hi) throw ThriftError(std::string("unknown ") + what + " " + std::to_string(v));
  return static_cast<E>(v);
}

// Reads struct fields with `f(id, type)`; f returns false for a field it does not take, which is
// then skipped.
template <class F>
void fields(CompactReader& r, F&& f) {
  r.begin_struct();
  std::int16_t id;
  TType t;
  while (r.next_field(id, t)) {
    if (!f(id, t)) r.skip(t);
  }
  r.end_struct();
}

template <class F>
void list(CompactReader& r, TType t, F&& each) {
  if (t != TType::kList) throw ThriftError("expected a Thrift list");
  TType e;
  const std::int64_t n = r.read_list_header(e);
  for (std::int64_t i = 0; i < n; ++i) each(e);
}

TimeUnit time_unit(CompactReader& r) {
  TimeUnit u = TimeUnit::kNone;
  fields(r, [&](std::int16_t id, TType t) {
    if (t != TType::kStruct || id < 1 || id > 3) return false;
    r.skip(t);  // an empty struct: which field is set is the unit
    u = id == 1 ? TimeUnit::kMillis : id == 2 ? TimeUnit::kMicros : TimeUnit::kNanos;
    return true;
  });
  return u;
}

void logical_type(CompactReader& r, LogicalKind& k) {
  fields(r, [&](std::int16_t id, TType t) {
    if (t != TType::kStruct) return false;
    switch (id) {
      case 1: case 4: case 12: k.string = true; return false;  // STRING, ENUM, JSON
      case 2: k.map = true; return false;
      case 3: k.list = true; return false;
      case 5:
        k.decimal = true;
        fields(r, [&](std::int16_t d, TType) {
          if (d == 1) k.scale = r.read_i32();
          else if (d == 2) k.precision = r.read_i32();
          else return false;
          return true;
        });
        return true;
      case 6: k.date = true; return false;
      case 8:
        fields(r, [&](std::int16_t d, TType dt) {
          if (d == 2 && dt == TType::kStruct) {
            k.timestamp = time_unit(r);
            return true;
          }
          return false;
        });
        return true;
      default: return false;
    }
  });
}

SchemaElement schema_element(CompactReader& r) {
  SchemaElement s;
  int converted = -1;
  fields(r, [&](std::int16_t id, TType t) {
    switch (id) {
      case 1: s.type = enum_in<PhysicalType>(r.read_i32(), 0, 7, "physical type"); return true;
      case 2: s.type_length = r.read_i32(); return true;
      case 3: s.repetition = enum_in<Repetition>(r.read_i32(), 0, 2, "repetition type"); return true;
      case 4: s.name = r.read_string(); return true;
      case 5: s.num_children = r.read_i32(); return true;
      case 6: converted = r.read_i32(); return true;
      case 7: s.kind.scale = r.read_i32(); return true;
      case 8: s.kind.precision = r.read_i32(); return true;
      case 10:
        if (t != TType::kStruct) return false;
        logical_type(r, s.kind);
        return true;
      default: return false;
    }
  });
  // Converted types (older writers, and newer ones for compatibility).
  switch (converted) {
    case 0: case 4: case 19: s.kind.string = true; break;  // UTF8, ENUM, JSON
    case 1: case 2: s.kind.map = true; break;               // MAP, MAP_KEY_VALUE
    case 3: s.kind.list = true; break;
    case 5: s.kind.decimal = true; break;
    case 6: s.kind.date = true; break;
    case 9: if (s.kind.timestamp == TimeUnit::kNone) s.kind.timestamp = TimeUnit::kMillis; break;
    case 10: if (s.kind.timestamp == TimeUnit::kNone) s.kind.timestamp = TimeUnit::kMicros; break;
    default: break;
  }
  if (s.num_children < 0) throw ThriftError("negative number of schema children");
  return s;
}

ColumnMeta column_meta(CompactReader& r) {
  ColumnMeta m;
  fields(r, [&](std::int16_t id, TType t) {
    switch (id) {
      case 1: m.type = enum_in<PhysicalType>(r.read_i32(), 0, 7, "physical type"); return true;
      case 3: list(r, t, [&](TType) { m.path.push_back(r.read_string()); }); return true;
      case 4: m.codec = enum_in<Codec>(r.read_i32(), 0, 7, "compression codec"); return true;
      case 5: m.num_values = r.read_i64(); return true;
      case 7: m.total_compressed_size = r.read_i64(); return true;
      case 9: m.data_page_offset = r.read_i64(); return true;
      case 11: m.dictionary_page_offset = r.read_i64(); return true;
      default: return false;
    }
  });
  return m;
}

RowGroup row_group(CompactReader& r) {
  RowGroup g;
  fields(r, [&](std::int16_t id, TType t) {
    switch (id) {
      case 1:
        list(r, t, [&](TType) {
          ColumnMeta m;
          bool has = false;
          fields(r, [&](std::int16_t cid, TType ct) {
            if (cid == 1 && ct == TType::kBinary) {
              if (!r.read_binary().empty()) throw ThriftError("column chunks in other files are not supported");
              return true;
            }
            if (cid != 3) return false;
            m = column_meta(r);
            has = true;
            return true;
          });
          if (!has) throw ThriftError("column chunk without metadata");
          g.columns.push_back(std::move(m));
        });
        return true;
      case 3: g.num_rows = r.read_i64(); return true;
      default: return false;
    }
  });
  return g;
}

}  // namespace

FileMetaData parse_file_metadata(const std::uint8_t* data, std::size_t size) {
  CompactReader r(data, size);
  FileMetaData md;
  fields(r, [&](std::int16_t id, TType t) {
    switch (id) {
      case 2: list(r, t, [&](TType) { md.schema.push_back(schema_element(r)); }); return true;
      case 3: md.num_rows = r.read_i64(); return true;
      case 4: list(r, t, [&](TType) { md.row_groups.push_back(row_group(r)); }); return true;
      case 6: md.created_by = r.read_string(); return true;
      default: return false;
    }
  });
  if (md.schema.empty()) throw ThriftError("no schema in the footer");
  return md;
}

PageHeader parse_page_header(const std::uint8_t* data, std::size_t size) {
  CompactReader r(data, size);
  PageHeader h;
  fields(r, [&](std::int16_t id, TType t) {
    switch (id) {
      case 1: h.type = enum_in<PageType>(r.read_i32(), 0, 3, "page type"); return true;
      case 2: h.uncompressed_size = r.read_i32(); return true;
      case 3: h.compressed_size = r.read_i32(); return true;
      case 5:  // DataPageHeader
      case 7:  // DictionaryPageHeader: the same two first fields
        if (t != TType::kStruct) return false;
        fields(r, [&](std::int16_t d, TType) {
          if (d == 1) h.num_values = r.read_i32();
          else if (d == 2) h.encoding = enum_in<Encoding>(r.read_i32(), 0, 9, "encoding");
          else return false;
          return true;
        });
        return true;
      case 8:  // DataPageHeaderV2
        if (t != TType::kStruct) return false;
        fields(r, [&](std::int16_t d, TType dt) {
          switch (d) {
            case 1: h.num_values = r.read_i32(); return true;
            case 2: h.num_nulls = r.read_i32(); return true;
            case 3: h.num_rows = r.read_i32(); return true;
            case 4: h.encoding = enum_in<Encoding>(r.read_i32(), 0, 9, "encoding"); return true;
            case 5: h.def_levels_bytes = r.read_i32(); return true;
            case 6: h.rep_levels_bytes = r.read_i32(); return true;
            case 7: h.v2_compressed = CompactReader::bool_field(dt); return true;
            default: return false;
          }
        });
        return true;
      default: return false;
    }
  });
  if (h.compressed_size < 0 || h.uncompressed_size < 0 || h.num_values < 0 || h.def_levels_bytes < 0 || h.rep_levels_bytes < 0) {
    throw ThriftError("negative size in a page header");
  }
  h.header_size = r.consumed();
  return h;
}

}  // namespace frugal::parquet
