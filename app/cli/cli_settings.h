// The generation options shared by `generate` and `compare`, and the output conventions
// (--out/--format, --json/--quiet/--verbose) shared by every subcommand that writes images.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "app/cli/arg_parser.h"
#include "core/engine/settings.h"
#include "core/image/image_file.h"

namespace drf::cli {

// --model --prompt --negative --seed --steps --cfg --sampler --eta --karras --mode --width
// --devices --size --dtype --tokenizer --clip-skip. No parser defaults: an option counts as
// given only when typed, so --from-image can let typed options override the file's settings.
void add_generation_options(ArgParser& args);
// Applies the options that were given on top of `base`. Does not validate (the engine does).
// With model_settings, an LCM-distilled model gets its own sampler, steps and CFG for each of the
// three that is neither typed nor changed from the defaults (steps and CFG only with the LCM
// sampler; core/engine/consistency_defaults.h); --from-image passes false, so a stored image's
// settings stay as they were.
GenerationSettings apply_generation_options(const ArgParser& args, GenerationSettings base, bool model_settings = true);

// --warmup-steps: "auto" -> GenerationSettings::kAutoWarmup, else a whole number. UsageError otherwise.
int parse_warmup_steps(const std::string& text);
// "cpu" -> {}, "2" -> {0, 1} (a count), "0,2" or "cuda:0,cuda:2" -> ids. UsageError otherwise.
std::vector<int> parse_devices(const std::string& text);
// "512x768" or "512" (square). UsageError otherwise.
void parse_size(const std::string& text, int& width, int& height);
// A random seed below 2^32 (short enough to type back).
std::uint64_t random_seed();

// --out, --format, --json, --quiet, --verbose.
void add_output_options(ArgParser& args, const std::string& default_out);
struct OutputTarget {
  std::filesystem::path path;
  bool is_folder = true;  // numbered files in a folder, or one exact file name
  ImageFormat format = ImageFormat::Png8;
};
// Decides folder vs file and the format; checks that the format can be written and that the
// folder is writable (IoError now rather than after a long generation).
OutputTarget resolve_output(const ArgParser& args);
// The file for image `index` (0-based) of `count` when the target is a file name: the name
// itself for a single image, "<stem>-<index+1><ext>" otherwise.
std::filesystem::path file_for_image(const OutputTarget& target, int index, int count);
// Checks every file a job of `count` images will write, before the first network call: each
// derived name (x-2.png ... x-N.png) is free and short enough for the file system (IoError),
// so a run cannot fail half-way on a name. Folder targets get fresh numbered names.
void check_output_names(const OutputTarget& target, int count);

struct ConsoleOptions {
  bool json = false, quiet = false, verbose = false;
};
// Reads --json/--quiet/--verbose and sets the log level to match.
ConsoleOptions console_options(const ArgParser& args);

// The Version value written into image metadata, e.g. "DRiffusion Studio 0.1.0".
std::string app_version();

}  // namespace drf::cli
