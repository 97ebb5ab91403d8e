// Image format names, extensions and what this build can write (and with which encoder).
#include <cctype>

#include "core/image/image_codec.h"
#include "core/image/image_file.h"
#include "core/image/png_writer.h"
#include "core/util/errors.h"

namespace drf {

ImageFormat parse_image_format(const std::string& name) {
  std::string l = name;
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "png") return ImageFormat::Png8;
  if (l == "png16") return ImageFormat::Png16;
  if (l == "tiff" || l == "tif") return ImageFormat::Tiff8;
  if (l == "tiff16" || l == "tif16") return ImageFormat::Tiff16;
  if (l == "exr") return ImageFormat::Exr;
  if (l == "ppm") return ImageFormat::Ppm;
  throw UsageError("unknown image format '" + name + "' (expected png, png16, tiff, tiff16, exr or ppm)");
}

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::Png8: return "png";
    case ImageFormat::Png16: return "png16";
    case ImageFormat::Tiff8: return "tiff";
    case ImageFormat::Tiff16: return "tiff16";
    case ImageFormat::Exr: return "exr";
    case ImageFormat::Ppm: return "ppm";
  }
  return "png";
}

const char* image_format_extension(ImageFormat f) {
  switch (f) {
    case ImageFormat::Png8:
    case ImageFormat::Png16: return ".png";
    case ImageFormat::Tiff8:
    case ImageFormat::Tiff16: return ".tif";
    case ImageFormat::Exr: return ".exr";
    case ImageFormat::Ppm: return ".ppm";
  }
  return ".png";
}

std::optional<ImageFormat> image_format_for_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".png") return ImageFormat::Png8;
  if (ext == ".tif" || ext == ".tiff") return ImageFormat::Tiff8;
  if (ext == ".exr") return ImageFormat::Exr;
  if (ext == ".ppm") return ImageFormat::Ppm;
  return std::nullopt;
}

bool have_openimageio() {
#ifdef DRIFFUSION_HAVE_OIIO
  return true;
#else
  return false;
#endif
}

ImageEncoder image_encoder_for(ImageFormat f, bool have_oiio, bool have_builtin_png) {
  if (f == ImageFormat::Ppm) return ImageEncoder::Ppm;
  if (have_oiio) return ImageEncoder::OpenImageIO;
  if (f == ImageFormat::Png8 && have_builtin_png) return ImageEncoder::BuiltinPng;
  return ImageEncoder::None;
}

ImageEncoder image_encoder_for(ImageFormat f) {
  return image_encoder_for(f, have_openimageio(), builtin_png_writer_available());
}

std::string missing_image_format_message(ImageFormat f) {
  const char* what = builtin_png_writer_available() ? "only 8-bit .png and .ppm output" : "only .ppm output";
  return std::string("this build has no OpenImageIO: ") + what + " (asked for " + image_format_name(f) + ")";
}

bool image_format_available(ImageFormat f) { return image_encoder_for(f) != ImageEncoder::None; }

// PPM stays the default without OpenImageIO: such a build reads back only PPM pixels (compare,
// img2img), so its own numbered outputs stay readable by it; .png is written when asked for.
ImageFormat default_image_format() { return have_openimageio() ? ImageFormat::Png8 : ImageFormat::Ppm; }

}  // namespace drf
