// PNG, TIFF and EXR through OpenImageIO (compiled only when it is present).
#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/image/image_codec.h"
#include "core/util/errors.h"

namespace drf {
namespace {

namespace fs = std::filesystem;

constexpr long long kMaxPixels = 1ll << 28;

float srgb_to_linear(float v) { return v <= 0.04045f ? v / 12.92f : std::pow((v + 0.055f) / 1.055f, 2.4f); }
float linear_to_srgb(float v) {
  v = std::clamp(v, 0.0f, 1.0f);
  return v <= 0.0031308f ? v * 12.92f : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
}

// Display-encoded floats in [0,1]: the float image when it matches, else the 8-bit pixels.
std::vector<float> display_floats(const ImageData& d) {
  const std::size_t n = d.image.pixels.size();
  if (d.image_float.size() == n) return d.image_float;
  std::vector<float> f(n);
  for (std::size_t i = 0; i < n; ++i) f[i] = d.image.pixels[i] / 255.0f;
  return f;
}

std::string os_suffix(int err) { return err ? std::string(" (") + std::strerror(err) + ")" : std::string(); }

[[noreturn]] void write_failed(const fs::path& display, const std::string& what, int err) {
  throw IoError("cannot write '" + display.string() + "': " + what + os_suffix(err));
}

void put_metadata(OIIO::ImageSpec& spec, ImageFormat format, const ImageMetadata& md) {
  if (format == ImageFormat::Tiff8 || format == ImageFormat::Tiff16) {
    // OpenImageIO keeps only standard tags in TIFF: the infotext goes where viewers show a
    // description, the settings JSON into DocumentName.
    std::string description = md.parameters;
    for (const auto& [key, value] : md.extra)
      if (description.empty() && key == "Comment") description = value;
    if (!description.empty()) spec.attribute("ImageDescription", description);
    if (!md.settings_json.empty()) spec.attribute("DocumentName", md.settings_json);
  } else if (format == ImageFormat::Exr) {
    if (!md.parameters.empty()) spec.attribute("parameters", md.parameters);
    if (!md.settings_json.empty()) spec.attribute("driffusion-settings", md.settings_json);
    for (const auto& [key, value] : md.extra) spec.attribute(key, value);
  }
  // PNG text chunks are added afterwards by png_text_chunks.cpp (proper iTXt for UTF-8).
}

}  // namespace

void oiio_write_image(const fs::path& path, const ImageData& data, ImageFormat format, const ImageMetadata& md,
                      const fs::path& display) {
  const RgbImage& img = data.image;
  const std::size_t n = img.pixels.size();
  OIIO::TypeDesc type = OIIO::TypeDesc::UINT8;
  std::vector<std::uint16_t> u16;
  std::vector<float> f32;
  const void* pixels = img.pixels.data();
  if (format == ImageFormat::Png16 || format == ImageFormat::Tiff16) {
    type = OIIO::TypeDesc::UINT16;
    const std::vector<float> f = display_floats(data);
    u16.resize(n);
    for (std::size_t i = 0; i < n; ++i) u16[i] = static_cast<std::uint16_t>(std::lround(std::clamp(f[i], 0.0f, 1.0f) * 65535.0f));
    pixels = u16.data();
  } else if (format == ImageFormat::Exr) {
    type = OIIO::TypeDesc::FLOAT;
    f32 = display_floats(data);
    for (float& v : f32) v = srgb_to_linear(std::clamp(v, 0.0f, 1.0f));
    pixels = f32.data();
  }
  OIIO::ImageSpec spec(img.width, img.height, 3, type);
  // PNG is sRGB by convention; for PNG OpenImageIO would also store this as a stray text chunk.
  if (format != ImageFormat::Png8 && format != ImageFormat::Png16)
    spec.attribute("oiio:ColorSpace", format == ImageFormat::Exr ? "Linear" : "sRGB");
  if (format == ImageFormat::Exr) spec.attribute("compression", "zip");
  put_metadata(spec, format, md);

  errno = 0;
  auto out = OIIO::ImageOutput::create(path.string());
  if (!out) write_failed(display, "OpenImageIO has no writer for " + std::string(image_format_name(format)) + ": " + OIIO::geterror(), 0);
  if (!out->open(path.string(), spec)) write_failed(display, out->geterror(), errno);
  if (!out->write_image(type, pixels)) {
    const int err = errno;
    const std::string msg = out->geterror();
    out->close();
    write_failed(display, msg, err);
  }
  if (!out->close()) write_failed(display, out->geterror(), errno);
}

RgbImage oiio_read_rgb8(const fs::path& path) {
  auto in = OIIO::ImageInput::open(path.string());
  if (!in) throw InputError("cannot read image '" + path.string() + "': " + OIIO::geterror());
  const OIIO::ImageSpec& spec = in->spec();
  const long long w = spec.width, h = spec.height, ch = spec.nchannels;
  if (w < 1 || h < 1 || ch < 1 || ch > 16 || w * h > kMaxPixels)
    throw InputError("'" + path.string() + "' has an unsupported size or channel count");
  // Read as floats so 8-bit, 16-bit and float sources all round the same way.
  std::vector<float> buf(static_cast<std::size_t>(w * h * ch));
  if (!in->read_image(0, 0, 0, static_cast<int>(ch), OIIO::TypeDesc::FLOAT, buf.data()))
    throw InputError("cannot read image '" + path.string() + "': " + in->geterror());
  const bool linear = spec.format.basetype == OIIO::TypeDesc::FLOAT || spec.format.basetype == OIIO::TypeDesc::HALF;
  RgbImage img;
  img.width = static_cast<int>(w);
  img.height = static_cast<int>(h);
  img.pixels.resize(static_cast<std::size_t>(w * h * 3));
  for (long long p = 0; p < w * h; ++p)
    for (int c = 0; c < 3; ++c) {
      float v = buf[static_cast<std::size_t>(p * ch + (ch >= 3 ? c : 0))];  // grey sources: one channel to all three
      if (linear) v = linear_to_srgb(v);
      img.pixels[static_cast<std::size_t>(p * 3 + c)] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
    }
  return img;
}

ImageMetadata oiio_read_metadata(const fs::path& path) {
  auto in = OIIO::ImageInput::open(path.string());
  if (!in) throw InputError("cannot read image '" + path.string() + "': " + OIIO::geterror());
  const OIIO::ImageSpec& spec = in->spec();
  ImageMetadata md;
  md.parameters = spec.get_string_attribute("parameters");
  md.settings_json = spec.get_string_attribute("driffusion-settings");
  const std::string description = spec.get_string_attribute("ImageDescription");
  const std::string document = spec.get_string_attribute("DocumentName");
  if (md.parameters.empty()) md.parameters = description;
  if (md.settings_json.empty() && !document.empty() && document.front() == '{') md.settings_json = document;
  return md;
}

}  // namespace drf
