#include "core/image/png_text_chunks.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/io/file_read.h"
#include "core/util/errors.h"

namespace drf {
namespace {

constexpr char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
constexpr std::uint32_t kMaxChunk = 0x7FFFFFFFu;    // the PNG limit
constexpr std::size_t kMaxTextChunk = 16u << 20;      // text chunks larger than this are ignored
// All text chunks of one file together: reading stops collecting beyond this, so a file of many
// large text chunks costs at most about 2.5x this much memory, whatever its size.
constexpr std::size_t kMaxTextTotal = 32u << 20;

std::uint32_t crc32(const std::string& type, const char* data, std::size_t size) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (char ch : type) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
  for (std::size_t i = 0; i < size; ++i) c = table[(c ^ static_cast<unsigned char>(data[i])) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint32_t be32(const char* p) {
  return (std::uint32_t(static_cast<unsigned char>(p[0])) << 24) | (std::uint32_t(static_cast<unsigned char>(p[1])) << 16) |
         (std::uint32_t(static_cast<unsigned char>(p[2])) << 8) | std::uint32_t(static_cast<unsigned char>(p[3]));
}

void put_be32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
}

std::string chunk(const std::string& type, const std::string& data) {
  std::string out;
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  out += type + data;
  put_be32(out, crc32(type, data.data(), data.size()));
  return out;
}

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (extra < 0 || s.size() - i <= static_cast<std::size_t>(extra)) return false;
    for (int k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) >> 6) != 0x2) return false;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

std::string latin1_to_utf8(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

void check_keyword(const std::string& key) {
  if (key.empty() || key.size() > 79 || key.front() == ' ' || key.back() == ' ')
    throw UsageError("PNG text keyword '" + key.substr(0, 100) + "' must be 1 to 79 characters without outer spaces");
  for (unsigned char c : key)
    if (c < 0x20 || (c > 0x7E && c < 0xA1)) throw UsageError("PNG text keyword '" + key + "' has a forbidden character");
}

std::string encode_text_chunk(const std::string& key, const std::string& text) {
  check_keyword(key);
  if (is_ascii(text) && text.find('\0') == std::string::npos) return chunk("tEXt", key + '\0' + text);
  // iTXt: keyword, 0, compression flag 0, method 0, empty language tag, 0, empty translated keyword, 0, UTF-8 text.
  return chunk("iTXt", key + '\0' + '\0' + '\0' + '\0' + '\0' + text);
}

}  // namespace

std::string png_with_text_chunks(const std::string& png, const TextEntries& entries) {
  if (png.size() < 8 + 25 || png.compare(0, 8, kSignature, 8) != 0 || png.compare(12, 4, "IHDR") != 0 || be32(&png[8]) != 13)
    throw InputError("not a PNG file (no PNG signature and IHDR chunk)");
  const std::size_t after_ihdr = 8 + 8 + 13 + 4;
  std::string out = png.substr(0, after_ihdr);
  for (const auto& [key, text] : entries) out += encode_text_chunk(key, text);
  out.append(png, after_ihdr, std::string::npos);
  return out;
}

TextEntries parse_png_text_chunks(const std::string& png, bool* has_compressed) {
  if (png.size() < 8 || png.compare(0, 8, kSignature, 8) != 0) throw InputError("not a PNG file (no PNG signature)");
  TextEntries out;
  std::size_t pos = 8;
  while (pos + 12 <= png.size()) {
    const std::uint32_t length = be32(&png[pos]);
    const std::string type = png.substr(pos + 4, 4);
    if (length > kMaxChunk || length > png.size() - pos - 12) break;  // truncated or corrupt: stop reading
    const char* data = &png[pos + 8];
    const bool crc_ok = crc32(type, data, length) == be32(data + length);
    pos += 12 + static_cast<std::size_t>(length);
    if (type == "IEND") break;
    if (!crc_ok) continue;
    const std::string body(data, length);
    const std::size_t nul = body.find('\0');
    if (nul == std::string::npos || nul == 0 || nul > 79) continue;
    const std::string key = latin1_to_utf8(body.substr(0, nul));
    if (type == "tEXt") {
      // Latin-1 by the spec, but many writers (OpenImageIO among them) put UTF-8 here.
      const std::string text = body.substr(nul + 1);
      out.emplace_back(key, valid_utf8(text) ? text : latin1_to_utf8(text));
    } else if (type == "iTXt") {
      if (body.size() < nul + 3) continue;
      if (body[nul + 1] != 0) {
        if (has_compressed) *has_compressed = true;
        continue;
      }
      const std::size_t lang_end = body.find('\0', nul + 3);
      if (lang_end == std::string::npos) continue;
      const std::size_t trans_end = body.find('\0', lang_end + 1);
      if (trans_end == std::string::npos) continue;
      out.emplace_back(key, body.substr(trans_end + 1));
    } else if (type == "zTXt") {
      if (has_compressed) *has_compressed = true;
    }
  }
  return out;
}

namespace {

// Why a PNG we just wrote is unusable: a full file system (libpng's buffered writes can fail
// without OpenImageIO reporting it, leaving a truncated file) or else an incomplete file.
[[noreturn]] void written_png_unusable(const std::filesystem::path& path, std::size_t size) {
  struct statvfs vfs {};
  const std::string folder = path.has_parent_path() ? path.parent_path().string() : std::string(".");
  if (::statvfs(folder.c_str(), &vfs) == 0 && vfs.f_bavail == 0)
    throw IoError("cannot write '" + path.string() + "': " + std::strerror(ENOSPC));
  throw IoError("cannot write '" + path.string() + "': the PNG writer left an incomplete file (" + std::to_string(size) +
                " bytes; is the disk full or a file size limit set?)");
}

bool ends_with_iend(const std::string& png) {
  static const char kIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', '\xae', '\x42', '\x60', '\x82'};
  return png.size() >= 8 + 25 + 12 && png.compare(png.size() - 12, 12, kIend, 12) == 0;
}

}  // namespace

void add_png_text_chunks(const std::filesystem::path& path, const TextEntries& entries) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot read back '" + path.string() + "': " + std::strerror(errno));
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!ends_with_iend(bytes) || bytes.compare(0, 8, kSignature, 8) != 0) written_png_unusable(path, bytes.size());
  const std::string out = png_with_text_chunks(bytes, entries);
  write_png_file(path, out, path);
}

void write_png_file(const std::filesystem::path& path, const std::string& bytes,
                    const std::filesystem::path& display_path) {
  // Plain write(2) so that the OS error (ENOSPC, EFBIG, EIO) is the one reported.
  const auto fail = [&](int err) { throw IoError("cannot write '" + display_path.string() + "': " + std::strerror(err)); };
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      fail(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) fail(errno);
}

PngText read_png_text_chunks(const std::filesystem::path& path) {
  // A FIFO or device would block or never end: regular files only.
  std::uint64_t size = 0;
  ::close(open_regular_file(path.string(), "PNG file", &size));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path.string() + "': " + std::strerror(errno));
  char sig[8];
  if (!in.read(sig, 8) || std::memcmp(sig, kSignature, 8) != 0)
    throw InputError("'" + path.string() + "' is not a PNG file");
  // Stream chunk by chunk: only text chunks are loaded, so a large image costs no memory.
  PngText result;
  std::string text_chunks(kSignature, 8);
  char head[8];
  while (in.read(head, 8)) {
    const std::uint32_t length = be32(head);
    const std::string type(head + 4, 4);
    if (length > kMaxChunk || type == "IEND") break;
    if ((type == "tEXt" || type == "iTXt" || type == "zTXt") && length <= kMaxTextChunk &&
        text_chunks.size() + length <= kMaxTextTotal) {
      std::string data(length + 4, '\0');
      if (!in.read(&data[0], static_cast<std::streamsize>(data.size()))) break;
      text_chunks.append(head, 8);
      text_chunks += data;
    } else if (!in.seekg(static_cast<std::streamoff>(length) + 4, std::ios::cur)) {
      break;
    }
  }
  result.entries = parse_png_text_chunks(text_chunks, &result.has_compressed);
  return result;
}

}  // namespace drf
