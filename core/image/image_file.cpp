// Writing and reading image files: format dispatch around the safe-write primitives.
#include "core/image/image_file.h"

#include <unistd.h>

#include <cstring>
#include <fstream>

#include "core/image/image_codec.h"
#include "core/image/png_text_chunks.h"
#include "core/image/png_writer.h"
#include "core/image/ppm_file.h"
#include "core/io/file_read.h"
#include "core/util/errors.h"

namespace drf {
namespace {

namespace fs = std::filesystem;

bool same_family(ImageFormat a, ImageFormat b) {
  return std::strcmp(image_format_extension(a), image_format_extension(b)) == 0;
}

void check_writable(const fs::path& path, const ImageData& data, ImageFormat format) {
  if (!image_format_available(format)) throw UsageError(missing_image_format_message(format));
  const RgbImage& img = data.image;
  if (img.width <= 0 || img.height <= 0 ||
      img.pixels.size() != static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3)
    throw UsageError("cannot write '" + path.string() + "': the image is empty or its buffer does not match its size");
  if (auto by_name = image_format_for_path(path); by_name && !same_family(*by_name, format))
    throw UsageError("'" + path.string() + "' has the extension of another format than " + image_format_name(format));
}

TextEntries png_entries(const ImageMetadata& md) {
  TextEntries e;
  if (!md.parameters.empty()) e.emplace_back("parameters", md.parameters);
  if (!md.settings_json.empty()) e.emplace_back("driffusion-settings", md.settings_json);
  for (const auto& kv : md.extra) e.push_back(kv);
  return e;
}

// Writes the complete file to `temp`; `target` is only used in messages.
void encode(const fs::path& temp, const fs::path& target, const ImageData& data, ImageFormat format,
            const ImageMetadata& md) {
  switch (image_encoder_for(format)) {
    case ImageEncoder::Ppm:
      write_ppm(temp, data.image, md, target);
      return;
    case ImageEncoder::BuiltinPng:  // builds without OpenImageIO: 8-bit PNG through zlib, same text chunks
      write_png_rgb8(temp, data.image, png_entries(md), target);
      return;
    case ImageEncoder::OpenImageIO:
      oiio_write_image(temp, data, format, md, target);
      if (format == ImageFormat::Png8 || format == ImageFormat::Png16) add_png_text_chunks(temp, png_entries(md));
      return;
    case ImageEncoder::None:
      break;
  }
  throw UsageError(missing_image_format_message(format));
}

// The first bytes of an image file. Every read of an image goes through here first, so only
// regular files get further: a FIFO or a character device would block or never end
// (open_regular_file opens without blocking and checks the type).
std::string magic(const fs::path& path) {
  std::uint64_t size = 0;
  const int fd = open_regular_file(path.string(), "image file", &size);
  char buf[8] = {};
  ssize_t got = 0;
  do {
    got = ::read(fd, buf, sizeof buf);
  } while (got < 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (got < 0) throw InputError(path.string() + ": cannot read the image file: " + std::strerror(err));
  return std::string(buf, static_cast<std::size_t>(got));
}

bool is_png(const std::string& m) { return m.size() >= 8 && m.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) == 0; }
bool is_ppm(const std::string& m) { return m.size() >= 2 && m[0] == 'P' && m[1] == '6'; }

}  // namespace

void write_image_file(const fs::path& path, const ImageData& data, ImageFormat format, const ImageMetadata& md) {
  check_writable(path, data, format);
  write_file_atomically(path, [&](const fs::path& temp) { encode(temp, path, data, format, md); });
}

NumberedImage write_image_numbered(const fs::path& folder, const std::string& stem, const ImageData& data,
                                   ImageFormat format, const ImageMetadata& md) {
  const fs::path dir = folder.empty() ? fs::path(".") : folder;
  check_writable(dir / ("x" + std::string(image_format_extension(format))), data, format);
  TempFile temp(dir, image_format_extension(format));
  const fs::path display = dir / numbered_file_name(next_image_number(dir), stem, format);
  encode(temp.path(), display, data, format, md);
  // Another writer may take a number between our scan and our rename: try the next one.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int number = next_image_number(dir);
    const fs::path target = dir / numbered_file_name(number, stem, format);
    if (temp.commit(target)) return {target, number};
  }
  throw IoError("cannot find a free file name in '" + dir.string() + "'");
}

ImageMetadata read_image_metadata(const fs::path& path) {
  const std::string m = magic(path);
  if (is_ppm(m)) {
    ImageMetadata md;
    read_ppm(path, &md);
    return md;
  }
  if (is_png(m)) {
    const PngText text = read_png_text_chunks(path);
    ImageMetadata md;
    for (const auto& [key, value] : text.entries) {
      if (key == "parameters") md.parameters = value;
      else if (key == "driffusion-settings") md.settings_json = value;
      else md.extra.emplace_back(key, value);
    }
    // Compressed chunks (zTXt, compressed iTXt) from other tools need zlib: OpenImageIO has it.
    if (text.has_compressed && have_openimageio()) {
      const ImageMetadata z = oiio_read_metadata(path);
      if (md.parameters.empty()) md.parameters = z.parameters;
      if (md.settings_json.empty()) md.settings_json = z.settings_json;
    }
    return md;
  }
  return oiio_read_metadata(path);
}

RgbImage read_image_rgb8(const fs::path& path) {
  if (is_ppm(magic(path))) return read_ppm(path, nullptr);
  return oiio_read_rgb8(path);
}

}  // namespace drf
