// driffusion generate: one or more images, saved with their settings; --from-image re-runs a
// saved image exactly.
#include <cstdio>
#include <limits>
#include <sstream>

#include "app/cli/cancel_signal.h"
#include "app/cli/cli_distributed.h"
#include "app/cli/cli_results.h"
#include "app/cli/cli_settings.h"
#include "app/cli/commands.h"
#include "app/cli/progress_reporter.h"
#include "core/engine/engine.h"
#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/io/file_read.h"
#include "core/util/printable_text.h"

namespace drf::cli {
namespace {

constexpr int kMaxImages = 10000;
// 10,000 prompts of the 64 KiB the tokenizer reads would be 640 MB; real prompt files are a few
// kilobytes. The cap is checked before reading (a sparse 2 GB file reached 6.5 GB RSS).
constexpr std::size_t kMaxPromptFileBytes = 16u << 20;

std::vector<std::string> read_prompt_file(const std::string& path) {
  // Regular files only (a FIFO would block), size-capped before a byte is read.
  std::istringstream in(read_file_capped(path, kMaxPromptFileBytes, "prompt file"));
  std::vector<std::string> prompts;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (prompts.size() >= static_cast<std::size_t>(kMaxImages))
      throw UsageError("prompt file '" + path + "' has more than " + std::to_string(kMaxImages) + " prompts");
    prompts.push_back(line);
  }
  if (prompts.empty()) throw InputError("prompt file '" + path + "' has no prompts (one per line)");
  return prompts;
}

// The option that overrides an infotext key's setting ("" for keys no option sets).
std::string option_for_infotext_key(const std::string& key) {
  if (key == "Steps") return "steps";
  if (key == "Seed") return "seed";
  if (key == "CFG scale") return "cfg";
  if (key == "Size") return "size";
  if (key == "Eta DDIM" || key == "Eta") return "eta";
  if (key == "Clip skip") return "clip-skip";
  if (key == "DRiffusion width") return "width";
  return "";
}

// The settings stored in an image: the exact settings JSON, or else the infotext of any tool.
GenerationSettings settings_from_image(const std::string& file, const ArgParser& args, ProgressReporter& out) {
  const ImageMetadata md = read_image_metadata(file);
  if (!md.settings_json.empty()) {
    try {
      return run_record_from_json(md.settings_json).settings;
    } catch (const Error& e) {
      throw InputError("'" + file + "': " + e.what());
    }
  }
  if (md.parameters.empty())
    throw InputError("'" + file + "' holds no generation settings (no driffusion-settings or parameters text)");
  const InfotextParams p = parse_infotext(md.parameters);
  if (!p.has_parameters_line) throw InputError("'" + file + "': its parameters text has no Steps/Sampler/Seed line");
  if (!p.sampler_supported && !args.has("sampler"))
    throw InputError("'" + file + "' was made with sampler '" + p.sampler_text +
                     "', which DRiffusion Studio does not have: pass --sampler ddim, ddpm or euler");
  if (!args.has("model"))
    throw UsageError("'" + file + "' has A1111 parameters naming model '" + p.model_name +
                     "' but not its file: pass --model");
  // A setting that decides the image but cannot be read must not fall back to a default
  // (25 steps, seed 0): the re-run would silently differ from the image.
  for (const std::string& key : p.invalid_numbers)
    if (!args.has(option_for_infotext_key(key)))
      throw InputError("'" + file + "': its parameters text has an unreadable " + key + " value" +
                       (option_for_infotext_key(key).empty() ? std::string()
                                                            : " (give --" + option_for_infotext_key(key) + " to override it)"));
  for (const auto& w : p.warnings) out.note("note: " + w);
  return p.settings;
}

// Bad settings fail before the model loads. When the bad value came from --from-image (the
// file's settings alone fail the same way), it is the file's fault: InputError naming it.
void validate_settings_from(const GenerationSettings& settings, const std::string& image, const GenerationSettings& base) {
  try {
    validate_settings(settings);
  } catch (const UsageError& e) {
    if (image.empty()) throw;
    // The file's settings with what an infotext cannot hold (the model file) taken from the
    // command line, so that only the values the file gave are judged.
    GenerationSettings from_file_only = base;
    if (from_file_only.model.empty()) from_file_only.model = settings.model;
    if (from_file_only.tokenizer_dir.empty()) from_file_only.tokenizer_dir = settings.tokenizer_dir;
    try {
      validate_settings(from_file_only);
    } catch (const UsageError& from_file) {
      if (std::string(from_file.what()) == e.what())
        throw InputError("'" + image + "': " + e.what() + " (read from the file; options given here override it)");
    }
    throw;
  }
}

std::string summary_line(const GenerationResult& r, const std::filesystem::path& path) {
  const RunStats& st = r.stats;
  std::string mode = st.mode;
  if (r.settings.mode != Mode::Sequential) mode += " w" + std::to_string(st.width);
  char buf[256];
  std::snprintf(buf, sizeof buf, "  seed %llu  %s  %d latencies for %d steps (%.2fx)  sampling %s  total %s",
                static_cast<unsigned long long>(r.settings.seed), mode.c_str(), st.serial_latencies, st.steps,
                st.theoretical_speedup, ProgressReporter::format_duration(st.sampling_ms).c_str(),
                ProgressReporter::format_duration(st.total_ms).c_str());
  return path.string() + buf;
}

class GenerateCommand {
 public:
  explicit GenerateCommand(const ArgParser& args) : args_(args), console_(console_options(args)) {}

  int run() {
    try {
      return run_unguarded();
    } catch (const PeerFailure& e) {
      // Another rank failed, vanished or disagrees (this rank may be the odd one out: every
      // rank reports it). Exit 5 on every rank, the message names the rank and host.
      if (world_) world_->report_failure(e.what());
      if (claim_peer_failure_report())
        std::fprintf(stderr, "driffusion generate: %s\n", printable_text(e.what(), LineBreaks::Keep).c_str());
      return kPeerFailure;
    } catch (const Error& e) {
      // This rank's own failure: the others exit 5 naming it; this one exits with its own code.
      if (world_) world_->report_failure(e.what());
      if (world_ && world_->rank() != 0) throw;
      if (console_.json) {
        nlohmann::json j = error_json("generate", e);
        j["images"] = images_;
        print_json(j);
      }
      throw;
    }
  }

 private:
  int run_unguarded() {
    const bool distributed = args_.get_flag("distributed");
    // Ranks other than 0 of a --distributed job print nothing and write nothing.
    if (distributed && read_launch_env().rank != 0) console_.quiet = true, console_.json = false;
    ProgressReporter progress(ProgressReporter::style_for(console_.quiet));
    GenerationSettings base;
    const bool from_image = args_.has("from-image");
    if (from_image) {
      base = settings_from_image(args_.get("from-image"), args_, progress);
    } else if (args_.has("prompt") == args_.has("prompts")) {
      throw UsageError("generate: give --prompt TEXT (may be empty) or --prompts FILE, not both");
    }
    GenerationSettings settings = apply_generation_options(args_, base, !from_image);
    if (distributed) {
      // Join first, so a rank that fails below is reported to the others at once.
      world_ = join_distributed(settings, "generate");
      set_current_process_world(world_);
    }
    if (!from_image && !args_.has("seed")) settings.seed = random_seed();
    const int count = args_.has("count") ? args_.get_int("count") : 1;
    if (count < 1 || count > kMaxImages) throw UsageError("generate: --count must be between 1 and " + std::to_string(kMaxImages));
    std::vector<std::string> prompts =
        args_.has("prompts") ? read_prompt_file(args_.get("prompts")) : std::vector<std::string>{settings.prompt};
    if (world_) {
      // Rank 0's job (its random seed, its prompt file) for everybody, verified by hash.
      const DistributedJob job = agree_job(*world_, DistributedJob{settings, prompts, count});
      settings = job.settings;
      prompts = job.prompts;
    }
    if (prompts.size() * static_cast<std::size_t>(count) > static_cast<std::size_t>(kMaxImages))
      throw UsageError("generate: more than " + std::to_string(kMaxImages) + " images requested");
    if (settings.seed > std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(count - 1))
      throw UsageError("--seed " + std::to_string(settings.seed) + " with --count " + std::to_string(count) +
                       " would pass the largest seed, 2^64-1 (seeds are S, S+1, ...)");
    if (args_.has("width") && settings.mode == Mode::Sequential && settings.width > 1)
      throw UsageError("--width " + std::to_string(settings.width) +
                       " has no effect in sequential mode: add --mode conservative or --mode aggressive");
    validate_settings_from(settings, from_image ? args_.get("from-image") : std::string(), base);
    const OutputTarget target = resolve_output(args_);
    // Every file this run will write, checked before the model loads.
    const bool writer = !world_ || world_->rank() == 0;
    if (writer) check_output_names(target, static_cast<int>(prompts.size()) * count);
    // Across processes rank 0 alone decides to cancel; the ranks agree on it every round.
    const std::atomic<bool>* cancel = install_cancel_signal();
    const std::atomic<bool>* job_cancel = writer ? cancel : nullptr;

    Engine engine;
    const int total = static_cast<int>(prompts.size()) * count;
    int index = 0;
    for (const std::string& prompt : prompts) {
      for (int c = 0; c < count; ++c, ++index) {
        GenerationSettings s = settings;
        s.prompt = prompt;
        s.seed = settings.seed + static_cast<std::uint64_t>(c);
        progress.begin(total > 1 ? "image " + std::to_string(index + 1) + "/" + std::to_string(total) + ", seed " +
                                       std::to_string(s.seed)
                                 : "seed " + std::to_string(s.seed));
        const GenerationResult result =
            engine.generate(s, [&progress](const JobEvent& e) { progress.on_event(e); }, job_cancel);
        if (writer && cancel->load()) throw Cancelled();  // Ctrl+C during decoding: write nothing more
        if (!writer) continue;
        const auto path = save_result(result, target, index, total);
        images_.push_back(result_json(result, path));
        if (!console_.json && !console_.quiet) {
          std::printf("%s\n", summary_line(result, path).c_str());
          std::fflush(stdout);
        }
      }
    }
    if (world_) {
      world_->finish();
      set_current_process_world(nullptr);
    }
    if (console_.json) print_json({{"command", "generate"}, {"ok", true}, {"build", build_json()}, {"images", images_}});
    return kOk;
  }

  const ArgParser& args_;
  std::shared_ptr<ProcessWorld> world_;
  ConsoleOptions console_;
  nlohmann::json images_ = nlohmann::json::array();
};

}  // namespace

int run_generate(int argc, char** argv) {
  ArgParser args("generate",
                 "Generates images with the sequential sampler or DRiffusion and saves each with its settings:\n"
                 "A1111 \"parameters\" infotext plus the complete settings as JSON (see docs/cli.md).");
  add_generation_options(args);
  args.option("count", "C", "images per prompt, with seeds S, S+1, ... (default 1)")
      .option("prompts", "FILE", "prompts from a file, one per line (blank lines skipped)")
      .option("from-image", "FILE", "re-run the settings stored in an image file; options given here override them")
      .flag("distributed",
            "this process is one rank of a job started by torchrun or mpirun (one process per GPU, or CPU processes); "
            "rank 0 writes the images (docs/distributed.md)");
  add_output_options(args, "outputs");
  if (!args.parse(argc, argv, 2)) return kOk;
  return GenerateCommand(args).run();
}

}  // namespace drf::cli
