// Image files with metadata: every format round-trips pixels and both metadata texts; PNG text
// chunks are tEXt for ASCII and iTXt for UTF-8; bad files are InputErrors, not crashes.
#include <gtest/gtest.h>

#include <cmath>

#include "core/image/image_file.h"
#include "core/image/png_text_chunks.h"
#include "core/image/png_writer.h"
#include "core/image/ppm_file.h"
#include "core/util/errors.h"
#include "tests/image/image_test_util.h"

using namespace drf;
using drf::test::read_bytes;
using drf::test::ScratchDir;
using drf::test::test_image;
using drf::test::write_bytes;

namespace {

using drf::test::kNoFloats;

ImageMetadata example_metadata() {
  ImageMetadata md;
  md.parameters = "a red, \"quoted\" prompt\nNegative prompt: blue\nSteps: 20, Sampler: DDIM, CFG scale: 7, Seed: 1";
  md.settings_json = R"({"format":"driffusion-settings","version":1,"settings":{"prompt":"a\nb"}})";
  return md;
}

#define REQUIRE_OIIO() \
  if (!have_openimageio()) GTEST_SKIP() << "this build has no OpenImageIO"

}  // namespace

TEST(ImageFile, FormatNamesAndExtensions) {
  EXPECT_EQ(parse_image_format("PNG"), ImageFormat::Png8);
  EXPECT_EQ(parse_image_format("png16"), ImageFormat::Png16);
  EXPECT_EQ(parse_image_format("tiff"), ImageFormat::Tiff8);
  EXPECT_EQ(parse_image_format("tiff16"), ImageFormat::Tiff16);
  EXPECT_EQ(parse_image_format("exr"), ImageFormat::Exr);
  EXPECT_EQ(parse_image_format("ppm"), ImageFormat::Ppm);
  EXPECT_THROW(parse_image_format("jpeg"), UsageError);
  EXPECT_STREQ(image_format_extension(ImageFormat::Tiff16), ".tif");
  EXPECT_EQ(image_format_for_path("a/b.TIFF"), ImageFormat::Tiff8);
  EXPECT_FALSE(image_format_for_path("a/b").has_value());
  EXPECT_TRUE(image_format_available(ImageFormat::Ppm));
  EXPECT_EQ(image_format_available(ImageFormat::Png8), have_openimageio() || builtin_png_writer_available());
  EXPECT_EQ(image_format_available(ImageFormat::Png16), have_openimageio());
}

TEST(ImageFile, PpmRoundTripsPixelsAndMetadata) {
  ScratchDir dir;
  const RgbImage img = test_image(13, 7);
  ImageMetadata md = example_metadata();
  md.extra.emplace_back("Comment", "difference map, white = 64");
  write_image_file(dir / "x.ppm", ImageData{img, kNoFloats}, ImageFormat::Ppm, md);
  EXPECT_EQ(read_image_rgb8(dir / "x.ppm").pixels, img.pixels);
  const ImageMetadata back = read_image_metadata(dir / "x.ppm");
  EXPECT_EQ(back.parameters, md.parameters);
  EXPECT_EQ(back.settings_json, md.settings_json);
  ASSERT_EQ(back.extra.size(), 1u);
  EXPECT_EQ(back.extra[0], md.extra[0]);
}

TEST(ImageFile, PpmParserRejectsMalformedFiles) {
  EXPECT_THROW(parse_ppm("P5\n1 1\n255\nx", nullptr), InputError);
  EXPECT_THROW(parse_ppm("P6\n2 2\n255\nabc", nullptr), InputError);           // truncated
  EXPECT_THROW(parse_ppm("P6\n99999999999 1\n255\n", nullptr), InputError);    // absurd size
  EXPECT_THROW(parse_ppm("P6\n# only a comment", nullptr), InputError);
  EXPECT_THROW(parse_ppm("P6\n1 1\n0\nabc", nullptr), InputError);
  const RgbImage two = parse_ppm(std::string("P6 # c\n1 1 65535\n\xff\xff\x00\x00\x80\x00", 23), nullptr);  // 16-bit samples
  EXPECT_EQ(two.pixels, (std::vector<std::uint8_t>{255, 0, 128}));
}

TEST(ImageFile, ExtensionOfAnotherFormatIsAUsageError) {
  ScratchDir dir;
  const RgbImage img = test_image();
  EXPECT_THROW(write_image_file(dir / "x.png", ImageData{img, kNoFloats}, ImageFormat::Ppm, {}), UsageError);
  EXPECT_THROW(write_image_file(dir / "x.ppm", ImageData{RgbImage{}, kNoFloats}, ImageFormat::Ppm, {}), UsageError);
  EXPECT_TRUE(drf::test::names_in(dir.path()).empty());
}

TEST(ImageFile, WithoutOpenImageIOOnlyPpmAndPng8AreWritten) {
  if (have_openimageio()) GTEST_SKIP() << "this build has OpenImageIO";
  ScratchDir dir;
  const RgbImage img = test_image();
  // 8-bit PNG through the built-in zlib writer (test_png_writer.cpp checks its files), with metadata.
  if (builtin_png_writer_available()) {
    write_image_file(dir / "x.png", ImageData{img, kNoFloats}, ImageFormat::Png8, example_metadata());
    EXPECT_EQ(read_image_metadata(dir / "x.png").parameters, example_metadata().parameters);
    std::filesystem::remove(dir / "x.png");
  }
  const ImageFormat refused = builtin_png_writer_available() ? ImageFormat::Png16 : ImageFormat::Png8;
  try {
    write_image_file(dir / "y.png", ImageData{img, kNoFloats}, refused, {});
    FAIL() << image_format_name(refused) << " written without OpenImageIO";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("this build has no OpenImageIO: only "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::string("(asked for ") + image_format_name(refused) + ")"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(drf::test::names_in(dir.path()).empty());
}

TEST(ImageFile, Png8RoundTripsWithTextChunks) {
  REQUIRE_OIIO();
  ScratchDir dir;
  const RgbImage img = test_image(31, 17);
  ImageMetadata md = example_metadata();
  write_image_file(dir / "a.png", ImageData{img, kNoFloats}, ImageFormat::Png8, md);
  EXPECT_EQ(read_image_rgb8(dir / "a.png").pixels, img.pixels);
  const ImageMetadata back = read_image_metadata(dir / "a.png");
  EXPECT_EQ(back.parameters, md.parameters);
  EXPECT_EQ(back.settings_json, md.settings_json);
  const std::string bytes = read_bytes(dir / "a.png");
  EXPECT_NE(bytes.find(std::string("tEXtparameters\0", 15)), std::string::npos);
  EXPECT_EQ(bytes.find("iTXt"), std::string::npos);
}

TEST(ImageFile, NonAsciiTextGoesToAnITXtChunk) {
  REQUIRE_OIIO();
  ScratchDir dir;
  const RgbImage img = test_image();
  ImageMetadata md;
  md.parameters = "café 日本 😀\nSteps: 1, Sampler: DDIM, Seed: 2";
  write_image_file(dir / "u.png", ImageData{img, kNoFloats}, ImageFormat::Png8, md);
  const std::string bytes = read_bytes(dir / "u.png");
  EXPECT_NE(bytes.find(std::string("iTXtparameters\0\0\0\0\0", 19)), std::string::npos);
  EXPECT_EQ(read_image_metadata(dir / "u.png").parameters, md.parameters);
}

TEST(ImageFile, Png16UsesTheFloatImage) {
  REQUIRE_OIIO();
  ScratchDir dir;
  const RgbImage img = test_image(8, 4);
  std::vector<float> f(img.pixels.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = img.pixels[i] / 255.0f;
  write_image_file(dir / "h.png", ImageData{img, f}, ImageFormat::Png16, example_metadata());
  EXPECT_EQ(read_image_rgb8(dir / "h.png").pixels, img.pixels);
  EXPECT_EQ(read_image_metadata(dir / "h.png").settings_json, example_metadata().settings_json);
  // 16-bit samples: the IHDR bit depth byte (offset 24) is 16.
  EXPECT_EQ(static_cast<unsigned char>(read_bytes(dir / "h.png")[24]), 16);
}

TEST(ImageFile, TiffAndExrKeepBothMetadataTexts) {
  REQUIRE_OIIO();
  ScratchDir dir;
  const RgbImage img = test_image(12, 9);
  const ImageMetadata md = example_metadata();
  for (ImageFormat f : {ImageFormat::Tiff8, ImageFormat::Tiff16, ImageFormat::Exr}) {
    const auto path = dir / (std::string("t-") + image_format_name(f) + image_format_extension(f));
    write_image_file(path, ImageData{img, kNoFloats}, f, md);
    const ImageMetadata back = read_image_metadata(path);
    EXPECT_EQ(back.parameters, md.parameters) << image_format_name(f);
    EXPECT_EQ(back.settings_json, md.settings_json) << image_format_name(f);
    const RgbImage px = read_image_rgb8(path);
    ASSERT_EQ(px.pixels.size(), img.pixels.size());
    for (std::size_t i = 0; i < px.pixels.size(); ++i)
      ASSERT_LE(std::abs(int(px.pixels[i]) - int(img.pixels[i])), f == ImageFormat::Exr ? 1 : 0) << image_format_name(f);
  }
}

TEST(ImageFile, BadFilesAreInputErrors) {
  ScratchDir dir;
  write_bytes(dir / "text.png", "this is not an image");
  EXPECT_THROW(read_image_metadata(dir / "missing.png"), InputError);
  EXPECT_THROW(read_image_metadata(dir / "text.png"), InputError);
  EXPECT_THROW(read_image_rgb8(dir / "text.png"), InputError);
  // A PNG cut in the middle of a chunk: the complete chunks before it are still read.
  const std::string png = png_with_text_chunks(
      std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) + std::string(13, '\x01') + std::string(4, '\0'),
      {{"parameters", "hello"}, {"driffusion-settings", "{}"}});
  write_bytes(dir / "cut.png", png.substr(0, png.size() - 5));
  const ImageMetadata md = read_image_metadata(dir / "cut.png");
  EXPECT_EQ(md.parameters, "hello");
  EXPECT_TRUE(md.settings_json.empty());
  // A chunk length past the end of the file.
  write_bytes(dir / "long.png", std::string("\x89PNG\r\n\x1a\n\x7f\xff\xff\xf0tEXt", 16));
  EXPECT_NO_THROW(read_image_metadata(dir / "long.png"));
}

namespace {

// An independent CRC-32 (bitwise, no table) to build chunks the way other writers do.
std::uint32_t crc32_bitwise(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string raw_chunk(const std::string& type, const std::string& data) {
  std::string out;
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((data.size() >> s) & 0xFF);
  const std::uint32_t crc = crc32_bitwise(type + data);
  out += type + data;
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((crc >> s) & 0xFF);
  return out;
}

}  // namespace

TEST(ImageFile, PngTextChunksFromOtherWritersAreRead) {
  const std::string head = std::string("\x89PNG\r\n\x1a\n", 8) + raw_chunk("IHDR", std::string(13, '\x01'));
  // Latin-1 tEXt as the PNG spec defines it (Pillow writes "café" this way), uncompressed iTXt,
  // a compressed zTXt we cannot decode here, and a chunk whose CRC is wrong.
  std::string bad = raw_chunk("tEXt", std::string("Comment\0bad", 11));
  bad[bad.size() - 1] ^= 1;
  const std::string png = head + raw_chunk("tEXt", std::string("parameters\0caf\xE9", 15)) +
                          raw_chunk("iTXt", std::string("driffusion-settings\0\0\0en\0\0{\"a\":1}", 33)) +
                          raw_chunk("zTXt", std::string("Title\0\0xx", 9)) + bad + raw_chunk("IEND", "");
  bool compressed = false;
  const TextEntries e = parse_png_text_chunks(png, &compressed);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], (std::pair<std::string, std::string>{"parameters", "caf\xC3\xA9"}));
  EXPECT_EQ(e[1], (std::pair<std::string, std::string>{"driffusion-settings", "{\"a\":1}"}));
  EXPECT_TRUE(compressed);
  // Our writer's chunks read back through the same parser.
  const std::string ours = png_with_text_chunks(head, {{"parameters", "caf\xC3\xA9"}, {"k", "ascii"}});
  const TextEntries back = parse_png_text_chunks(ours);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].second, "caf\xC3\xA9");
  EXPECT_EQ(back[1].second, "ascii");
  EXPECT_THROW(png_with_text_chunks(head, {{"", "empty keyword"}}), UsageError);
}
