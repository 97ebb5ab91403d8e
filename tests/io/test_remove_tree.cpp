// drf::remove_tree, the project's replacement for std::filesystem::remove_all (core/io/remove_tree.h
// says why): a nested tree goes, links are removed and never followed, a missing path is fine, and
// a failure is reported with the path instead of a crash.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/io/remove_tree.h"
#include "tests/io/io_test_util.h"

namespace drf {
namespace {
namespace fs = std::filesystem;

void touch(const fs::path& p, const std::string& text = "x") { std::ofstream(p) << text; }

TEST(RemoveTree, RemovesANestedTreeWithFilesAndEmptyFolders) {
  test::ScratchDir scratch;
  const fs::path root = scratch.path() / "tree";
  fs::create_directories(root / "a" / "b" / "c");
  fs::create_directories(root / "empty");
  touch(root / "top.safetensors");
  touch(root / "a" / "one.json");
  touch(root / "a" / "b" / "c" / "deep.bin");
  std::error_code ec;
  EXPECT_TRUE(remove_tree(root, ec)) << ec.message();
  EXPECT_FALSE(ec);
  EXPECT_FALSE(fs::exists(root));
  EXPECT_TRUE(fs::exists(scratch.path())) << "the parent must stay";
}

TEST(RemoveTree, RemovesLinksWithoutFollowingThem) {
  test::ScratchDir scratch;
  const fs::path keep = scratch.path() / "keep";
  fs::create_directories(keep);
  touch(keep / "precious.txt", "precious");
  const fs::path root = scratch.path() / "tree";
  fs::create_directories(root);
  fs::create_directory_symlink(keep, root / "link-to-folder");
  fs::create_symlink(keep / "precious.txt", root / "link-to-file");
  fs::create_symlink(scratch.path() / "nowhere", root / "dangling");
  remove_tree(root);
  EXPECT_FALSE(fs::exists(fs::symlink_status(root)));
  std::ifstream in(keep / "precious.txt");
  std::string text;
  in >> text;
  EXPECT_EQ(text, "precious") << "a link's target was removed";

  // A link given as the path itself is removed, its target kept.
  fs::create_directory_symlink(keep, scratch.path() / "alias");
  remove_tree(scratch.path() / "alias");
  EXPECT_FALSE(fs::exists(fs::symlink_status(scratch.path() / "alias")));
  EXPECT_TRUE(fs::exists(keep / "precious.txt"));
}

TEST(RemoveTree, AMissingPathIsNotAnErrorAndAFileIsRemoved) {
  test::ScratchDir scratch;
  std::error_code ec;
  EXPECT_TRUE(remove_tree(scratch.path() / "never-made", ec));
  EXPECT_FALSE(ec);
  touch(scratch.path() / "single");
  EXPECT_TRUE(remove_tree(scratch.path() / "single", ec));
  EXPECT_FALSE(fs::exists(scratch.path() / "single"));
}

// The failure case, as a code for the parent: 0 when remove_tree reported the locked folder and
// still removed what it could.
int remove_a_tree_with_a_locked_folder(const fs::path& root) {
  fs::create_directories(root / "locked");
  touch(root / "locked" / "file");
  touch(root / "loose");
  fs::permissions(root / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  std::error_code ec;
  if (remove_tree(root, ec) || !ec) return 1;
  if (fs::exists(root / "loose")) return 2;  // what can be removed is removed
  try {
    remove_tree(root);
    return 3;
  } catch (const fs::filesystem_error& e) {
    if (std::string(e.what()).find(root.string()) == std::string::npos) return 4;
  }
  fs::permissions(root / "locked", fs::perms::owner_all);
  return remove_tree(root, ec) ? 0 : 5;
}

// Root ignores a folder's permission bits through CAP_DAC_OVERRIDE: run the case in a child
// process that gives that capability up (CI runs as root).
bool drop_permission_override() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  data[CAP_TO_INDEX(CAP_DAC_OVERRIDE)].effective &= ~CAP_TO_MASK(CAP_DAC_OVERRIDE);
  data[CAP_TO_INDEX(CAP_FOWNER)].effective &= ~CAP_TO_MASK(CAP_FOWNER);
  return ::syscall(SYS_capset, &header, data) == 0;
}

TEST(RemoveTree, AFolderThatCannotBeEmptiedIsReportedWithItsPath) {
  test::ScratchDir scratch;
  const fs::path root = scratch.path() / "tree";
  if (::geteuid() != 0) {
    EXPECT_EQ(remove_a_tree_with_a_locked_folder(root), 0);
    return;
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(drop_permission_override() ? remove_a_tree_with_a_locked_folder(root) : 10);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died: status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1 no error, 2 a removable file stayed, 3 no exception, "
                                       "4 the message lacks the path, 5 not removable once unlocked, 10 capset failed";
}

}  // namespace
}  // namespace drf
