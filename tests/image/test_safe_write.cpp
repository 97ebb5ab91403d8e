// Safe writing: never overwrite, numbered names, folders created, unwritable targets reported
// with the path and OS error, and no temporary or partial file left behind on any failure.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>

#include "core/image/image_file.h"
#include "core/util/errors.h"
#include "tests/image/image_test_util.h"

using namespace drf;
using drf::test::names_in;
using drf::test::read_bytes;
using drf::test::ScratchDir;
using drf::test::test_image;
using drf::test::write_bytes;

namespace {

using drf::test::kNoFloats;

bool has_temp_files(const std::filesystem::path& dir) {
  for (const auto& n : names_in(dir))
    if (n.rfind(".driffusion-", 0) == 0) return true;
  return false;
}

std::string io_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SafeWrite, NumberedNames) {
  EXPECT_EQ(numbered_file_name(42, "1234", ImageFormat::Png8), "00042-1234.png");
  EXPECT_EQ(numbered_file_name(7, "5-diff", ImageFormat::Tiff16), "00007-5-diff.tif");
  EXPECT_EQ(numbered_file_name(123456, "s", ImageFormat::Ppm), "123456-s.ppm");
}

TEST(SafeWrite, NextNumberFollowsTheLargestPrefix) {
  ScratchDir dir;
  EXPECT_EQ(next_image_number(dir / "missing"), 0);
  EXPECT_EQ(next_image_number(dir.path()), 0);
  for (const char* name : {"00003-1.png", "00010-x.ppm", "abc.png", "7-y.png", "00099.png", "-5-a.png"})
    write_bytes(dir / name, "x");
  EXPECT_EQ(next_image_number(dir.path()), 11);
}

TEST(SafeWrite, NumberedWritesCreateTheFolderAndCountUp) {
  ScratchDir dir;
  const auto folder = dir / "a/b/c";
  const RgbImage img = test_image();
  const auto first = write_image_numbered(folder, "5", ImageData{img, kNoFloats}, ImageFormat::Ppm, {});
  const auto second = write_image_numbered(folder, "5", ImageData{img, kNoFloats}, ImageFormat::Ppm, {});
  EXPECT_EQ(first.number, 0);
  EXPECT_EQ(second.number, 1);
  EXPECT_EQ(first.path.filename(), "00000-5.ppm");
  EXPECT_EQ(second.path.filename(), "00001-5.ppm");
  EXPECT_EQ(names_in(folder), (std::vector<std::string>{"00000-5.ppm", "00001-5.ppm"}));
}

TEST(SafeWrite, NeverOverwritesAnExistingFile) {
  ScratchDir dir;
  const auto target = dir / "keep.ppm";
  write_bytes(target, "precious");
  const RgbImage img = test_image();
  const std::string msg =
      io_error_of([&] { write_image_file(target, ImageData{img, kNoFloats}, ImageFormat::Ppm, {}); });
  EXPECT_NE(msg.find("already exists"), std::string::npos) << msg;
  EXPECT_NE(msg.find(target.string()), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(target), "precious");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"keep.ppm"}));
}

TEST(SafeWrite, ParentThatIsAFileIsAnIoErrorNamingPathAndOsError) {
  // Stands in for a full disk or read-only mount, which need root to set up: the OS refuses
  // the folder, and nothing may be left behind.
  ScratchDir dir;
  write_bytes(dir / "file", "not a folder");
  const RgbImage img = test_image();
  const auto target = dir / "file/sub/out.ppm";
  const std::string msg =
      io_error_of([&] { write_image_file(target, ImageData{img, kNoFloats}, ImageFormat::Ppm, {}); });
  EXPECT_NE(msg.find((dir / "file").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("Not a directory"), std::string::npos) << msg;
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"file"}));
  EXPECT_EQ(read_bytes(dir / "file"), "not a folder");

  const std::string numbered = io_error_of(
      [&] { write_image_numbered(dir / "file", "1", ImageData{img, kNoFloats}, ImageFormat::Ppm, {}); });
  EXPECT_NE(numbered.find("not a folder"), std::string::npos) << numbered;
}

TEST(SafeWrite, ProcFilesystemRefusesEvenRoot) {
  const RgbImage img = test_image();
  const std::string msg = io_error_of([&] {
    write_image_file("/proc/driffusion-no-such-folder/out.ppm", ImageData{img, kNoFloats}, ImageFormat::Ppm, {});
  });
  EXPECT_NE(msg.find("/proc/driffusion-no-such-folder"), std::string::npos) << msg;
}

TEST(SafeWrite, ReadOnlyFolderIsAnIoError) {
  ScratchDir dir;
  const auto folder = dir / "ro";
  std::filesystem::create_directories(folder);
  ::chmod(folder.c_str(), 0500);
  // Root ignores permission bits: skip when a write would succeed anyway.
  {
    std::ofstream probe(folder / "probe");
    if (probe) {
      std::filesystem::remove(folder / "probe");
      GTEST_SKIP() << "running with permission to write into a 0500 folder (root): covered by the other cases";
    }
  }
  const RgbImage img = test_image();
  const std::string msg =
      io_error_of([&] { write_image_file(folder / "x.ppm", ImageData{img, kNoFloats}, ImageFormat::Ppm, {}); });
  EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  EXPECT_TRUE(names_in(folder).empty());
}

TEST(SafeWrite, FailingWriterLeavesNoTemporaryFile) {
  ScratchDir dir;
  EXPECT_THROW(write_file_atomically(dir / "out.bin",
                                     [](const std::filesystem::path& temp) {
                                       write_bytes(temp, "half");
                                       throw IoError("disk full (simulated)");
                                     }),
               IoError);
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(SafeWrite, FailingFinalRenameLeavesNoTemporaryFileAndKeepsTheOtherFile) {
  // Another program creates the target while we write: the no-replace rename must fail,
  // keep their file, and remove our temporary file.
  ScratchDir dir;
  const auto target = dir / "race.bin";
  const std::string msg = io_error_of([&] {
    write_file_atomically(target, [&](const std::filesystem::path& temp) {
      write_bytes(temp, "ours");
      write_bytes(target, "theirs");
    });
  });
  EXPECT_NE(msg.find("already exists"), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(target), "theirs");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"race.bin"}));
}

TEST(SafeWrite, TempFileCommitRefusesExistingTargetsAndCleansUp) {
  ScratchDir dir;
  write_bytes(dir / "taken", "x");
  {
    TempFile t(dir.path(), ".bin");
    EXPECT_EQ(t.path().parent_path(), dir.path());
    write_bytes(t.path(), "data");
    EXPECT_FALSE(t.commit(dir / "taken"));
    EXPECT_TRUE(has_temp_files(dir.path()));
  }
  EXPECT_FALSE(has_temp_files(dir.path()));
  {
    TempFile t(dir.path(), ".bin");
    write_bytes(t.path(), "data");
    EXPECT_TRUE(t.commit(dir / "free"));
  }
  EXPECT_EQ(read_bytes(dir / "free"), "data");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"free", "taken"}));
}

TEST(SafeWrite, NumberedWriteSkipsANumberTakenMeanwhile) {
  ScratchDir dir;
  const RgbImage img = test_image();
  write_bytes(dir / "00000-9.ppm", "x");
  write_bytes(dir / "00001-other.ppm", "x");
  const auto w = write_image_numbered(dir.path(), "9", ImageData{img, kNoFloats}, ImageFormat::Ppm, {});
  EXPECT_EQ(w.number, 2);
  EXPECT_FALSE(has_temp_files(dir.path()));
}
