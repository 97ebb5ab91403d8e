// The built-in PNG encoder (png_writer.h). zlib does the deflate and the chunk CRCs; the rest
// is the PNG specification's few fixed structures.
#include "core/image/png_writer.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#ifdef DRIFFUSION_HAVE_ZLIB
#include <zlib.h>
#endif

#include "core/util/errors.h"

namespace drf {

#ifdef DRIFFUSION_HAVE_ZLIB

namespace {

constexpr std::size_t kPngIdatChunkBytes = 1u << 20;  // several IDAT chunks keep each one small
constexpr int kPngBytesPerPixel = 3;

void png_put_be32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
}

void png_put_chunk(std::string& out, const char type[4], const char* data, std::size_t size) {
  png_put_be32(out, static_cast<std::uint32_t>(size));
  const std::size_t start = out.size();
  out.append(type, 4);
  out.append(data, size);
  // The CRC covers the type and the data, not the length.
  const uLong crc = ::crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(4 + size));
  png_put_be32(out, static_cast<std::uint32_t>(crc));
}

int png_paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// Row `row` filtered with PNG filter `type` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) into `out`
// (filter byte first); `prior` is the row above (all zero for the first row).
void png_filter_row(int type, const std::uint8_t* row, const std::uint8_t* prior, std::size_t n, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(type);
  for (std::size_t i = 0; i < n; ++i) {
    const int a = i >= kPngBytesPerPixel ? row[i - kPngBytesPerPixel] : 0;
    const int b = prior[i];
    const int c = i >= kPngBytesPerPixel ? prior[i - kPngBytesPerPixel] : 0;
    int predictor = 0;
    switch (type) {
      case 1: predictor = a; break;
      case 2: predictor = b; break;
      case 3: predictor = (a + b) / 2; break;
      case 4: predictor = png_paeth(a, b, c); break;
      default: break;
    }
    out[i + 1] = static_cast<std::uint8_t>(row[i] - predictor);
  }
}

// libpng's heuristic: the filter whose output, read as signed bytes, has the smallest absolute sum.
std::uint64_t png_filter_cost(const std::uint8_t* filtered, std::size_t n) {
  std::uint64_t sum = 0;
  for (std::size_t i = 1; i <= n; ++i) sum += filtered[i] < 128 ? filtered[i] : 256 - filtered[i];
  return sum;
}

std::string png_filtered_rows(const RgbImage& img) {
  const std::size_t n = static_cast<std::size_t>(img.width) * kPngBytesPerPixel;
  std::string out(static_cast<std::size_t>(img.height) * (n + 1), '\0');
  const std::vector<std::uint8_t> zeros(n, 0);
  std::vector<std::uint8_t> candidate(n + 1), best(n + 1);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t* row = img.pixels.data() + static_cast<std::size_t>(y) * n;
    const std::uint8_t* prior = y > 0 ? row - n : zeros.data();
    std::uint64_t best_cost = UINT64_MAX;
    for (int type = 0; type <= 4; ++type) {
      png_filter_row(type, row, prior, n, candidate.data());
      const std::uint64_t cost = png_filter_cost(candidate.data(), n);
      if (cost < best_cost) {
        best_cost = cost;
        best.swap(candidate);
      }
    }
    std::memcpy(&out[static_cast<std::size_t>(y) * (n + 1)], best.data(), n + 1);
  }
  return out;
}

}  // namespace

bool builtin_png_writer_available() { return true; }

std::string encode_png_rgb8(const RgbImage& img, const TextEntries& entries) {
  if (img.width <= 0 || img.height <= 0 || img.width > 0x7FFFFFFF / kPngBytesPerPixel ||
      img.pixels.size() != static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * kPngBytesPerPixel)
    throw UsageError("cannot encode a PNG: the image is empty or its buffer does not match its size");
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  png_put_be32(ihdr, static_cast<std::uint32_t>(img.width));
  png_put_be32(ihdr, static_cast<std::uint32_t>(img.height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // bit depth 8, colour type 2 (RGB), deflate, adaptive filters, no interlace
  png_put_chunk(png, "IHDR", ihdr.data(), ihdr.size());

  const std::string raw = png_filtered_rows(img);
  uLongf packed_size = ::compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  const int rc = ::compress2(reinterpret_cast<Bytef*>(&packed[0]), &packed_size, reinterpret_cast<const Bytef*>(raw.data()),
                             static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) throw IoError(std::string("cannot compress the PNG pixels: zlib error ") + std::to_string(rc));
  for (std::size_t at = 0; at < packed_size; at += kPngIdatChunkBytes)
    png_put_chunk(png, "IDAT", packed.data() + at, std::min<std::size_t>(kPngIdatChunkBytes, packed_size - at));
  png_put_chunk(png, "IEND", "", 0);
  // The text chunks go right after IHDR, encoded and checked exactly as for OpenImageIO's PNGs.
  return entries.empty() ? png : png_with_text_chunks(png, entries);
}

#else  // no zlib

bool builtin_png_writer_available() { return false; }

std::string encode_png_rgb8(const RgbImage&, const TextEntries&) {
  throw UsageError("this build has neither OpenImageIO nor zlib: only .ppm output (asked for png)");
}

#endif

void write_png_rgb8(const std::filesystem::path& path, const RgbImage& image, const TextEntries& entries,
                    const std::filesystem::path& display_path) {
  write_png_file(path, encode_png_rgb8(image, entries), display_path);
}

}  // namespace drf
