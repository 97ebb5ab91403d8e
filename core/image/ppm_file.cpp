#include "core/image/ppm_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "core/image/infotext.h"
#include "core/util/errors.h"

namespace drf {
namespace {

constexpr std::uintmax_t kMaxPpmBytes = 1ull << 30;
constexpr std::size_t kMaxHeaderBytes = 8u << 20;

std::string comment_value(const std::string& v) {
  bool plain = v.empty() || v.front() != '"';
  for (unsigned char c : v)
    if (c < 0x20) plain = false;
  return plain ? v : json_quote(v);
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

void take_comment(const std::string& line, ImageMetadata* md) {
  if (!md) return;
  std::string body = line;
  if (!body.empty() && body.front() == ' ') body.erase(0, 1);
  const std::size_t sep = body.find(": ");
  if (sep == std::string::npos || sep == 0) return;
  const std::string key = body.substr(0, sep);
  std::string value = body.substr(sep + 2);
  if (!value.empty() && value.front() == '"') value = unquote_infotext_value(value);
  if (key == "parameters") md->parameters = value;
  else if (key == "driffusion-settings") md->settings_json = value;
  else md->extra.emplace_back(key, value);
}

}  // namespace

void write_ppm(const std::filesystem::path& path, const RgbImage& image, const ImageMetadata& md,
               const std::filesystem::path& display_path) {
  std::string header = "P6\n";
  if (!md.parameters.empty()) header += "# parameters: " + comment_value(md.parameters) + "\n";
  if (!md.settings_json.empty()) header += "# driffusion-settings: " + comment_value(md.settings_json) + "\n";
  for (const auto& [key, value] : md.extra) {
    std::string k = key;
    for (char& c : k)
      if (static_cast<unsigned char>(c) < 0x20 || c == ':') c = '_';
    header += "# " + k + ": " + comment_value(value) + "\n";
  }
  header += std::to_string(image.width) + " " + std::to_string(image.height) + "\n255\n";

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  const auto fail = [&](const char* what) {
    throw IoError(std::string("cannot write '") + display_path.string() + "': " + what);
  };
  if (!f) fail(std::strerror(errno));
  if (std::fwrite(header.data(), 1, header.size(), f.get()) != header.size() ||
      std::fwrite(image.pixels.data(), 1, image.pixels.size(), f.get()) != image.pixels.size() || std::fflush(f.get()) != 0)
    fail(std::strerror(errno));
  if (std::fclose(f.release()) != 0) fail(std::strerror(errno));
}

RgbImage parse_ppm(const std::string& b, ImageMetadata* md, const std::string& name) {
  const auto bad = [&](const std::string& why) -> InputError { return InputError("'" + name + "' is not a valid PPM file: " + why); };
  if (b.size() < 2 || b[0] != 'P' || b[1] != '6') throw bad("it does not start with P6 (only binary RGB PPM is read)");
  std::size_t pos = 2;
  long long values[3] = {0, 0, 0};
  for (long long& v : values) {
    while (pos < b.size()) {  // whitespace and comments between header fields
      if (is_ws(b[pos])) {
        ++pos;
      } else if (b[pos] == '#') {
        const std::size_t eol = b.find('\n', pos);
        const std::size_t end = eol == std::string::npos ? b.size() : eol;
        take_comment(b.substr(pos + 1, end - pos - 1), md);
        pos = end;
      } else {
        break;
      }
      if (pos > kMaxHeaderBytes) throw bad("header longer than 8 MiB");
    }
    const std::size_t start = pos;
    while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9' && pos - start < 9) v = v * 10 + (b[pos++] - '0');
    if (pos == start) throw bad("missing or malformed width, height or maximum value");
    if (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') throw bad("header number too large");
  }
  if (pos >= b.size() || !is_ws(b[pos])) throw bad("no whitespace after the maximum value");
  ++pos;
  const long long w = values[0], h = values[1], maxval = values[2];
  if (w < 1 || h < 1 || w > 65535 || h > 65535 || w * h > (1ll << 28)) throw bad("image size out of range");
  if (maxval < 1 || maxval > 65535) throw bad("maximum value out of range");
  const std::size_t bytes_per_sample = maxval > 255 ? 2 : 1;
  const std::size_t samples = static_cast<std::size_t>(w * h * 3);
  if (b.size() - pos < samples * bytes_per_sample) throw bad("truncated pixel data");
  RgbImage img;
  img.width = static_cast<int>(w);
  img.height = static_cast<int>(h);
  img.pixels.resize(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    long long v = bytes_per_sample == 1
                      ? static_cast<unsigned char>(b[pos + i])
                      : (static_cast<unsigned char>(b[pos + 2 * i]) << 8) | static_cast<unsigned char>(b[pos + 2 * i + 1]);
    if (v > maxval) v = maxval;
    img.pixels[i] = static_cast<std::uint8_t>((v * 255 + maxval / 2) / maxval);
  }
  return img;
}

RgbImage read_ppm(const std::filesystem::path& path, ImageMetadata* md) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError("cannot read '" + path.string() + "': " + ec.message());
  if (size > kMaxPpmBytes) throw InputError("'" + path.string() + "' is larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path.string() + "': " + std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_ppm(bytes, md, path.string());
}

}  // namespace drf
