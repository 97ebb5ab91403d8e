// Where the read-only resources (built-in model, tokenizer, presets) live at run time.
//
// The binaries carry no absolute install path, so the same build runs from the build tree
// (build/bin -> build/share/driffusion), from an install prefix (/usr/bin -> /usr/share/driffusion)
// and from an unpacked relocatable .tar.gz (<anywhere>/bin -> <anywhere>/share/driffusion).
// A resource folder is recognised by its marker file, so an unrelated share/driffusion is never
// picked up by accident. DRIFFUSION_RESOURCE_DIR overrides the search (developers, unusual layouts).
#pragma once
#include <filesystem>
#include <string>

namespace drf {

// Name of the file that marks a folder as a DRiffusion resource folder (written by resources/CMakeLists.txt).
inline constexpr const char* kResourceMarkerFile = "driffusion-resources.txt";
// Environment variable that names the resource folder explicitly.
inline constexpr const char* kResourceDirEnv = "DRIFFUSION_RESOURCE_DIR";

// The resource folder for an executable at `executable` (symlinks resolved), honouring an explicit
// override (the value of DRIFFUSION_RESOURCE_DIR, or nullptr / "" when unset). Throws InputError naming
// every place it looked when nothing is found, or naming the variable when the override is not a folder.
std::filesystem::path resource_dir_for(const std::filesystem::path& executable, const char* override_dir);

// The running program's path, from /proc/self/exe. Throws InputError when it cannot be read.
std::filesystem::path running_executable();

// resource_dir_for(running_executable(), getenv(DRIFFUSION_RESOURCE_DIR)), computed once per process.
const std::filesystem::path& resource_dir();

// resource_dir() / relative, checked to exist; throws InputError naming the full path otherwise.
std::filesystem::path resource_path(const std::string& relative);

}  // namespace drf
