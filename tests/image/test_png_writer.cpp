// The built-in 8-bit PNG writer of builds without OpenImageIO (core/image/png_writer.h): its
// files are read back by OpenImageIO (libpng) pixel for pixel, carry the same text chunks as
// the OpenImageIO path, have a correct chunk structure and CRCs, use every PNG filter type
// (so the pixel comparison covers each), and a failed write leaves nothing behind.
// The CI build has OpenImageIO, so image_file.cpp's no-OpenImageIO branch is not taken there:
// these tests call the writer directly, through write_file_atomically as that branch does, and
// check the encoder choice itself through image_encoder_for().
#include <gtest/gtest.h>

#include <sys/stat.h>

#if __has_include(<zlib.h>)
#include <zlib.h>
#define DRIFFUSION_TEST_ZLIB 1
#endif

#include <fstream>
#include <set>

#ifdef DRIFFUSION_HAVE_OIIO
#include <OpenImageIO/imageio.h>
#endif

#include "core/image/image_codec.h"
#include "core/image/image_file.h"
#include "core/image/png_text_chunks.h"
#include "core/image/png_writer.h"
#include "core/util/errors.h"
#include "tests/image/image_test_util.h"

using namespace drf;
using drf::test::names_in;
using drf::test::read_bytes;
using drf::test::ScratchDir;

namespace {

#define REQUIRE_PNG_WRITER() \
  if (!builtin_png_writer_available()) GTEST_SKIP() << "this build has no zlib: no built-in PNG writer"

const TextEntries& png_writer_test_entries() {
  static const TextEntries e = {
      {"parameters", "a red, \"quoted\" prompt\nNegative prompt: blue\nSteps: 20, Sampler: DDIM, CFG scale: 7, Seed: 1"},
      {"driffusion-settings", R"({"format":"driffusion-settings","version":1,"settings":{"prompt":"café 日本"}})"}};
  return e;
}

// Rows of noise, repeated rows, horizontal ramps and smooth 2-D gradients: each PNG filter type
// wins on some of them.
RgbImage png_writer_test_image(int w, int h) {
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.resize(static_cast<std::size_t>(w) * h * 3);
  std::uint32_t state = 12345;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        state = state * 1664525u + 1013904223u;
        const int kind = (y / 4) % 4;
        int v = 0;
        if (kind == 0) v = static_cast<int>(state >> 24);                 // noise
        else if (kind == 1) v = (y / 4) * 7 + c * 50;                      // flat, rows alike
        else if (kind == 2) v = x * 5 + c * 30 + static_cast<int>((state >> 30) & 1);  // horizontal ramp
        else v = (x * x + y * 3 * c + x * y) / 3 + static_cast<int>((state >> 29) & 3);  // 2-D gradient
        img.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] = static_cast<std::uint8_t>(v & 0xFF);
      }
  return img;
}

// An independent CRC-32 (bitwise, no table, no zlib).
std::uint32_t png_writer_test_crc32(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::uint32_t png_writer_test_be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(static_cast<unsigned char>(s[at])) << 24) | (std::uint32_t(static_cast<unsigned char>(s[at + 1])) << 16) |
         (std::uint32_t(static_cast<unsigned char>(s[at + 2])) << 8) | std::uint32_t(static_cast<unsigned char>(s[at + 3]));
}

struct PngWriterTestChunk {
  std::string type, data;
};

// Splits a PNG into chunks, checking the signature, every length and every CRC.
std::vector<PngWriterTestChunk> png_writer_test_chunks(const std::string& png) {
  std::vector<PngWriterTestChunk> out;
  EXPECT_EQ(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)), 0);
  std::size_t at = 8;
  while (at < png.size()) {
    EXPECT_LE(at + 12, png.size());
    if (at + 12 > png.size()) break;
    const std::uint32_t len = png_writer_test_be32(png, at);
    EXPECT_LE(at + 12 + len, png.size());
    if (at + 12 + len > png.size()) break;
    PngWriterTestChunk c{png.substr(at + 4, 4), png.substr(at + 8, len)};
    EXPECT_EQ(png_writer_test_be32(png, at + 8 + len), png_writer_test_crc32(c.type + c.data)) << "CRC of " << c.type;
    out.push_back(std::move(c));
    at += 12 + len;
  }
  return out;
}

void write_png_atomically(const std::filesystem::path& path, const RgbImage& img, const TextEntries& entries) {
  write_file_atomically(path, [&](const std::filesystem::path& temp) { write_png_rgb8(temp, img, entries, path); });
}

}  // namespace

TEST(PngWriter, BuildWithoutOpenImageIOWritesPng8WithIt) {
  EXPECT_EQ(image_encoder_for(ImageFormat::Png8, false, true), ImageEncoder::BuiltinPng);
  EXPECT_EQ(image_encoder_for(ImageFormat::Png8, false, false), ImageEncoder::None);
  for (ImageFormat f : {ImageFormat::Png16, ImageFormat::Tiff8, ImageFormat::Tiff16, ImageFormat::Exr})
    EXPECT_EQ(image_encoder_for(f, false, true), ImageEncoder::None) << image_format_name(f);
  EXPECT_EQ(image_encoder_for(ImageFormat::Ppm, false, false), ImageEncoder::Ppm);
  EXPECT_EQ(image_encoder_for(ImageFormat::Png8, true, true), ImageEncoder::OpenImageIO);
  EXPECT_EQ(image_encoder_for(ImageFormat::Ppm, true, true), ImageEncoder::Ppm);
  // This build: PNG 8-bit is available with OpenImageIO or zlib, and the message names the format.
  EXPECT_EQ(image_format_available(ImageFormat::Png8), have_openimageio() || builtin_png_writer_available());
  const std::string msg = missing_image_format_message(ImageFormat::Exr);
  EXPECT_NE(msg.find("this build has no OpenImageIO"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(asked for exr)"), std::string::npos) << msg;
}

TEST(PngWriter, StructureAndCrcsAreValid) {
  REQUIRE_PNG_WRITER();
  const RgbImage img = png_writer_test_image(37, 32);
  const std::vector<PngWriterTestChunk> chunks = png_writer_test_chunks(encode_png_rgb8(img, png_writer_test_entries()));
  ASSERT_GE(chunks.size(), 5u);
  EXPECT_EQ(chunks.front().type, "IHDR");
  EXPECT_EQ(chunks.front().data, std::string("\0\0\0\x25\0\0\0\x20\x08\x02\0\0\0", 13));  // 37 x 32, 8-bit RGB
  // The text chunks right after IHDR, as the OpenImageIO path places them (ASCII -> tEXt, UTF-8 -> iTXt).
  EXPECT_EQ(chunks[1].type, "tEXt");
  EXPECT_EQ(chunks[1].data.substr(0, 11), std::string("parameters\0", 11));
  EXPECT_EQ(chunks[2].type, "iTXt");
  EXPECT_EQ(chunks[2].data.substr(0, 20), std::string("driffusion-settings\0", 20));
  for (std::size_t i = 3; i + 1 < chunks.size(); ++i) EXPECT_EQ(chunks[i].type, "IDAT");
  EXPECT_EQ(chunks.back().type, "IEND");
  EXPECT_TRUE(chunks.back().data.empty());
}

#ifdef DRIFFUSION_TEST_ZLIB
TEST(PngWriter, EveryFilterTypeIsUsedAndRowsInflateToTheirSize) {
  REQUIRE_PNG_WRITER();
  const RgbImage img = png_writer_test_image(64, 64);
  std::string idat;
  for (const PngWriterTestChunk& c : png_writer_test_chunks(encode_png_rgb8(img, {})))
    if (c.type == "IDAT") idat += c.data;
  const std::size_t stride = 64 * 3 + 1;
  std::string raw(64 * stride + 1, '\0');  // one spare byte: a longer stream would fill it
  uLongf raw_size = static_cast<uLongf>(raw.size());
  ASSERT_EQ(::uncompress(reinterpret_cast<Bytef*>(&raw[0]), &raw_size, reinterpret_cast<const Bytef*>(idat.data()),
                         static_cast<uLong>(idat.size())),
            Z_OK);
  ASSERT_EQ(raw_size, 64 * stride);
  std::set<int> filters;
  for (int y = 0; y < 64; ++y) filters.insert(static_cast<unsigned char>(raw[static_cast<std::size_t>(y) * stride]));
  EXPECT_EQ(filters, (std::set<int>{0, 1, 2, 3, 4}));
}
#endif

TEST(PngWriter, TextChunksReadBackWithTheOwnReader) {
  REQUIRE_PNG_WRITER();
  ScratchDir dir;
  const RgbImage img = png_writer_test_image(16, 8);
  write_png_atomically(dir / "t.png", img, png_writer_test_entries());
  const PngText text = read_png_text_chunks(dir / "t.png");
  EXPECT_EQ(text.entries, png_writer_test_entries());
  EXPECT_FALSE(text.has_compressed);
  // And through the metadata reader every build uses for PNG (no OpenImageIO needed for it).
  const ImageMetadata md = read_image_metadata(dir / "t.png");
  EXPECT_EQ(md.parameters, png_writer_test_entries()[0].second);
  EXPECT_EQ(md.settings_json, png_writer_test_entries()[1].second);
}

TEST(PngWriter, OpenImageIOReadsEveryPixelBack) {
  REQUIRE_PNG_WRITER();
#ifndef DRIFFUSION_HAVE_OIIO
  GTEST_SKIP() << "this build has no OpenImageIO to read the file back with";
#else
  ScratchDir dir;
  // 1 x 1, odd sizes, and noise large enough (about 1.4 MB compressed) to need several IDAT chunks.
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {37, 29}, {64, 64}, {700, 700}}) {
    const RgbImage img = w == 700 ? [&] {
      RgbImage noise{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
      std::uint32_t s = 7;
      for (auto& p : noise.pixels) p = static_cast<std::uint8_t>((s = s * 1664525u + 1013904223u) >> 24);
      return noise;
    }() : png_writer_test_image(w, h);
    const auto path = dir / ("p" + std::to_string(w) + ".png");
    write_png_atomically(path, img, png_writer_test_entries());
    if (w == 700) {
      int idat = 0;
      for (const PngWriterTestChunk& c : png_writer_test_chunks(read_bytes(path))) idat += c.type == "IDAT";
      EXPECT_GT(idat, 1);
    }
    auto in = OIIO::ImageInput::open(path.string());
    ASSERT_TRUE(in) << OIIO::geterror();
    const OIIO::ImageSpec& spec = in->spec();
    ASSERT_EQ(spec.width, w);
    ASSERT_EQ(spec.height, h);
    ASSERT_EQ(spec.nchannels, 3);
    EXPECT_EQ(spec.format, OIIO::TypeDesc::UINT8);
    EXPECT_EQ(spec.get_string_attribute("parameters"), png_writer_test_entries()[0].second);
    std::vector<std::uint8_t> back(img.pixels.size());
    ASSERT_TRUE(in->read_image(0, 0, 0, 3, OIIO::TypeDesc::UINT8, back.data())) << in->geterror();
    EXPECT_FALSE(in->has_error()) << in->geterror();
    EXPECT_TRUE(back == img.pixels) << w << " x " << h;
    // The project's own reader (OpenImageIO underneath in this build) agrees.
    EXPECT_TRUE(read_image_rgb8(path).pixels == img.pixels) << w << " x " << h;
  }
#endif
}

TEST(PngWriter, BadInputIsAUsageError) {
  REQUIRE_PNG_WRITER();
  EXPECT_THROW(encode_png_rgb8(RgbImage{}, {}), UsageError);
  EXPECT_THROW(encode_png_rgb8(RgbImage{2, 2, std::vector<std::uint8_t>(11)}, {}), UsageError);
  EXPECT_THROW(encode_png_rgb8(png_writer_test_image(2, 2), {{"", "empty keyword"}}), UsageError);
}

TEST(PngWriter, FailedWritesLeaveNoFileAndNameThePath) {
  REQUIRE_PNG_WRITER();
  const RgbImage img = png_writer_test_image(8, 8);
  // A folder nobody may create (the same for root).
  const std::filesystem::path proc = "/proc/driffusion-no-such-folder/out.png";
  try {
    write_png_atomically(proc, img, png_writer_test_entries());
    FAIL() << "wrote into /proc";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/driffusion-no-such-folder"), std::string::npos) << e.what();
  }
  // A failure inside the writer (a bad keyword) removes the temporary file.
  ScratchDir dir;
  EXPECT_THROW(write_png_atomically(dir / "bad.png", img, {{"bad\nkey", "x"}}), UsageError);
  EXPECT_TRUE(names_in(dir.path()).empty());
  // write_png_rgb8 itself names the path it was told to show when the OS refuses.
  try {
    write_png_rgb8(dir.path(), img, {}, "shown.png");  // a folder cannot be opened for writing
    FAIL() << "wrote over a folder";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'shown.png'"), std::string::npos) << e.what();
  }
}

TEST(PngWriter, ReadOnlyFolderLeavesNoFile) {
  REQUIRE_PNG_WRITER();
  const RgbImage img = png_writer_test_image(8, 8);
  ScratchDir dir;
  const auto ro = dir / "ro";
  std::filesystem::create_directories(ro);
  ::chmod(ro.c_str(), 0500);
  if (std::ofstream(ro / "probe")) GTEST_SKIP() << "permission bits do not apply (root): the /proc case covers it";
  try {
    write_png_atomically(ro / "x.png", img, png_writer_test_entries());
    FAIL() << "wrote into a read-only folder";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(ro.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(names_in(ro).empty());
}

#undef REQUIRE_PNG_WRITER
#undef DRIFFUSION_TEST_ZLIB
