// Finding the resource folder relative to the running program: the build tree, an install
// prefix, an unpacked archive in an arbitrary folder, a symlinked launcher, the environment
// override, and the error when nothing is there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "core/io/remove_tree.h"
#include "core/util/errors.h"
#include "core/util/resource_paths.h"

using namespace drf;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp dir, removed at the end of the test.
class TempTree {
 public:
  TempTree() {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("drf-resource-paths-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(root_);
  }
  ~TempTree() {
    std::error_code ec;
    drf::remove_tree(root_, ec);
  }
  const fs::path& root() const { return root_; }
  // An install-like layout: <prefix>/bin/<program> and, when asked, <prefix>/share/driffusion with the marker.
  fs::path make_prefix(const std::string& name, bool with_resources) const {
    const fs::path prefix = root_ / name;
    fs::create_directories(prefix / "bin");
    std::ofstream(prefix / "bin" / "driffusion") << "not really a program\n";
    if (with_resources) {
      fs::create_directories(prefix / "share" / "driffusion");
      std::ofstream(prefix / "share" / "driffusion" / kResourceMarkerFile) << "marker\n";
    }
    return prefix;
  }

 private:
  fs::path root_;
};

}  // namespace

TEST(ResourcePaths, FindsShareFolderNextToTheBinFolder) {
  TempTree tree;
  const fs::path prefix = tree.make_prefix("unpacked archive", true);
  const fs::path dir = resource_dir_for(prefix / "bin" / "driffusion", nullptr);
  EXPECT_TRUE(fs::equivalent(dir, prefix / "share" / "driffusion")) << dir;
}

TEST(ResourcePaths, FollowsASymlinkedLauncherToTheRealProgram) {
  TempTree tree;
  const fs::path prefix = tree.make_prefix("opt", true);
  fs::create_directories(tree.root() / "elsewhere" / "bin");
  const fs::path link = tree.root() / "elsewhere" / "bin" / "driffusion";
  fs::create_symlink(prefix / "bin" / "driffusion", link);
  const fs::path dir = resource_dir_for(link, "");
  EXPECT_TRUE(fs::equivalent(dir, prefix / "share" / "driffusion")) << dir;
}

TEST(ResourcePaths, IgnoresAShareFolderWithoutTheMarker) {
  TempTree tree;
  const fs::path prefix = tree.make_prefix("stray", false);
  fs::create_directories(prefix / "share" / "driffusion");  // unrelated folder of the same name
  try {
    resource_dir_for(prefix / "bin" / "driffusion", nullptr);
    FAIL() << "a folder without the marker was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    const std::string msg = e.what();
    // The message names where it looked and how to fix it.
    EXPECT_NE(msg.find((prefix / "share" / "driffusion" / kResourceMarkerFile).string()), std::string::npos) << msg;
    EXPECT_NE(msg.find(kResourceDirEnv), std::string::npos) << msg;
  }
}

TEST(ResourcePaths, EnvironmentOverrideWinsAndMustBeAFolder) {
  TempTree tree;
  const fs::path prefix = tree.make_prefix("installed", true);
  const fs::path custom = tree.root() / "custom resources";
  fs::create_directories(custom);
  EXPECT_EQ(resource_dir_for(prefix / "bin" / "driffusion", custom.c_str()), custom);

  const fs::path missing = tree.root() / "no such folder";
  try {
    resource_dir_for(prefix / "bin" / "driffusion", missing.c_str());
    FAIL() << "a missing override folder was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    const std::string msg = e.what();
    EXPECT_NE(msg.find(kResourceDirEnv), std::string::npos) << msg;
    EXPECT_NE(msg.find(missing.string()), std::string::npos) << msg;
  }
}

// This test program runs from <build>/bin, so the real lookup must find <build>/share/driffusion,
// which resources/CMakeLists.txt fills at build time.
TEST(ResourcePaths, RunningProgramFindsTheBuildTreeCopy) {
  if (const char* env = std::getenv(kResourceDirEnv); env && *env) GTEST_SKIP() << kResourceDirEnv << " is set";
  const fs::path exe = running_executable();
  EXPECT_EQ(exe.filename(), "test_resource_paths");
  const fs::path expected = exe.parent_path().parent_path() / "share" / "driffusion";
  EXPECT_TRUE(fs::equivalent(resource_dir(), expected)) << resource_dir() << " vs " << expected;
  EXPECT_TRUE(fs::is_regular_file(resource_path(kResourceMarkerFile)));
  EXPECT_THROW(resource_path("no/such/resource.bin"), InputError);
}
