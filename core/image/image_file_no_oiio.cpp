// Without OpenImageIO (the headless GPU build) only PPM is written and read, and 8-bit PNG is
// written by png_writer.cpp when zlib is there (image_file.cpp never calls here for it);
// everything else is refused with one clear message instead of failing at link time.
#ifndef DRIFFUSION_HAVE_OIIO
#include "core/image/image_codec.h"
#include "core/util/errors.h"

namespace drf {

void oiio_write_image(const std::filesystem::path&, const ImageData&, ImageFormat format, const ImageMetadata&,
                      const std::filesystem::path&) {
  throw UsageError(missing_image_format_message(format));
}

RgbImage oiio_read_rgb8(const std::filesystem::path& path) {
  throw InputError("cannot read '" + path.string() + "': " + kNoOiioInputMessage);
}

ImageMetadata oiio_read_metadata(const std::filesystem::path& path) {
  throw InputError("cannot read the metadata of '" + path.string() + "': " + kNoOiioInputMessage +
                   " (PNG text chunks are still read)");
}

}  // namespace drf
#endif
