// Removes a file or a folder with everything below it; what std::filesystem::remove_all does.
//
// Why not remove_all: the CUDA LibTorch (PyTorch 2.x wheels) exports its own copies of the
// std::filesystem functions, statically linked from the toolchain it was built with, and the
// dynamic linker binds our calls to them because libtorch.so comes before libstdc++.so.6 in our
// binaries' needed list. Its remove_all jumps to address 0 once the folder holds a file (found on
// the GPU machine in session 17: test_cli's scratch folders). This walks the tree with nftw(3),
// which libtorch does not carry. tools/check_banned_calls.py (ctest test_check_banned_calls) keeps
// remove_all out of the tree.
#pragma once
#include <filesystem>
#include <system_error>

namespace drf {

// Symbolic links are removed, never followed. A missing path is not an error. Returns false and
// sets `ec` to the first failure's error; what could be removed is gone.
bool remove_tree(const std::filesystem::path& path, std::error_code& ec) noexcept;

// The same; throws std::filesystem::filesystem_error naming the path on failure.
void remove_tree(const std::filesystem::path& path);

}  // namespace drf
