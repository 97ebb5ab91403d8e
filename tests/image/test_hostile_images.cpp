// Image files as hostile input and full disks as hostile output: only regular files are read
// (a FIFO or a character device used to hang `info --image` at 100 % CPU), PNG text is read up to
// a total cap, and a PNG that cannot be written completely is an IoError that says why ("No
// space left on device"), never "not a PNG file".
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <future>

#include "core/image/image_file.h"
#include "core/image/png_text_chunks.h"
#include "core/util/errors.h"
#include "tests/image/image_test_util.h"

namespace drf {
namespace {

using test::ScratchDir;
using drf::test::kNoFloats;

// Runs `f` on another thread and fails (instead of hanging the suite) when it takes over 10 s.
template <typename F>
std::string error_within_10s(F f) {
  auto result = std::async(std::launch::async, [f] {
    try {
      f();
    } catch (const InputError& e) {
      return std::string("InputError: ") + e.what();
    } catch (const Error& e) {
      return std::string("other Error: ") + e.what();
    }
    return std::string("no error");
  });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "still reading after 10 s: the reader blocks on a special file";
    std::_Exit(1);  // the blocked thread cannot be joined
  }
  return result.get();
}

TEST(HostileImages, FifoAndDevicesAreRefusedAtOnce) {
  ScratchDir dir;
  const auto fifo = dir / "image.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::filesystem::path& p : {fifo, std::filesystem::path("/dev/zero"), std::filesystem::path("/dev/urandom")}) {
    std::string e = error_within_10s([p] { read_image_metadata(p); });
    EXPECT_NE(e.find("InputError: " + p.string() + ": is not a regular file"), std::string::npos) << e;
    e = error_within_10s([p] { read_image_rgb8(p); });
    EXPECT_NE(e.find("not a regular file"), std::string::npos) << e;
    e = error_within_10s([p] { read_png_text_chunks(p); });
    EXPECT_NE(e.find("not a regular file"), std::string::npos) << e;
  }
  const std::string e = error_within_10s([&dir] { read_image_metadata(dir.path()); });
  EXPECT_NE(e.find("is a directory"), std::string::npos) << e;
}

// A minimal valid PNG (1x1 grey) as bytes.
std::string tiny_png() {
  const unsigned char bytes[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0,
                                 0, 0, 1, 8, 0, 0, 0, 0, 0x3a, 0x7e, 0x9b, 0x55, 0, 0, 0, 10, 'I', 'D', 'A', 'T', 0x78,
                                 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0xe5, 0x27, 0xde, 0xfc, 0, 0, 0,
                                 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

TEST(HostileImages, PngTextIsReadUpToATotalCap) {
  // 6 text chunks of 8 MB each (48 MB) in one file: at most 32 MB of text is kept.
  ScratchDir dir;
  TextEntries entries;
  for (int i = 0; i < 6; ++i) entries.emplace_back("k" + std::to_string(i), std::string(8u << 20, 'a' + i));
  const auto path = dir / "many.png";
  test::write_bytes(path, png_with_text_chunks(tiny_png(), entries));
  const PngText text = read_png_text_chunks(path);
  std::size_t total = 0;
  for (const auto& [k, v] : text.entries) total += v.size();
  EXPECT_LE(total, 32u << 20);
  EXPECT_GE(text.entries.size(), 3u);  // the first chunks are still read
  EXPECT_EQ(text.entries.front().second, entries.front().second);
}

TEST(HostileImages, IncompletePngIsAnIoErrorNotAnInputError) {
  // What libpng leaves behind when its buffered writes fail: a PNG cut short.
  ScratchDir dir;
  const auto path = dir / "cut.png";
  const std::string png = tiny_png();
  test::write_bytes(path, png.substr(0, png.size() - 20));
  try {
    add_png_text_chunks(path, {{"parameters", "x"}});
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write '" + path.string() + "'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("not a PNG"), std::string::npos) << e.what();
  }
}

TEST(HostileImages, FileSizeLimitWhileWritingTextChunksIsAnIoError) {
  // RLIMIT_FSIZE makes write(2) fail with EFBIG part-way, as a full disk fails with ENOSPC: the
  // OS error must be the one reported.
  ScratchDir dir;
  const auto path = dir / "limited.png";
  test::write_bytes(path, tiny_png());
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    add_png_text_chunks(path, {{"parameters", std::string(100000, 'x')}});
  } catch (const IoError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
}

TEST(HostileImages, FullDiskSaysNoSpaceLeftOnDevice) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tiny tmpfs needs root";
  ScratchDir dir;
  const auto mnt = dir / "tiny";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  // Fill it up, then write an image whose pixels do not compress.
  test::write_bytes(mnt / "filler", std::string(256 * 1024, '\0'));
  RgbImage img = test::test_image(256, 256);
  std::mt19937 rng(1);
  for (auto& p : img.pixels) p = static_cast<std::uint8_t>(rng());
  std::string message;
  const ImageFormat format = have_openimageio() ? ImageFormat::Png8 : ImageFormat::Ppm;
  try {
    write_image_file(mnt / (std::string("x") + image_format_extension(format)), ImageData{img, kNoFloats}, format,
                     ImageMetadata{"a prompt\nSteps: 1", "{}", {}});
  } catch (const IoError& e) {
    message = e.what();
  } catch (const Error& e) {
    message = std::string("wrong kind: ") + e.what();
  }
  ::umount2(mnt.c_str(), MNT_DETACH);
  EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  EXPECT_EQ(message.find("wrong kind"), std::string::npos) << message;
}

}  // namespace
}  // namespace drf
