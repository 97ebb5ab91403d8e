// driffusion oracle: the analytic-model table of docs/analytic-oracle.md.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/sampling/sampler_registry.h"
#include "app/cli/arg_parser.h"
#include "app/cli/commands.h"
#include "core/analytic/oracle.h"
#include "core/util/errors.h"

namespace drf::cli {

int run_oracle(int argc, char** argv) {
  ArgParser args("oracle",
                 "Runs the sequential sampler and DRiffusion (conservative and aggressive, widths 1..max-width) on the\n"
                 "analytic Gaussian-mixture model, whose optimal noise predictor is exact, and reports serial network\n"
                 "latencies, theoretical speedup, RMS deviation from the sequential samples of the same seed, and the\n"
                 "error against the known target distribution (mean, variance, component weights).");
  args.option("steps", "N", "sampling steps", "50")
      .option("max-width", "N", "largest DRiffusion width", "8")
      .option("samples", "S", "samples drawn per configuration", "4096")
      .option("seed", "S", "seed of the initial noise", "1")
      .option("sampler", "NAME", sampler_names(), "ddim")
      .option("schedule", "NAME", schedule_names(), "default")
      .flag("json", "print one JSON object instead of a table");
  if (!args.parse(argc, argv, 2)) return kOk;
  OracleOptions o;
  o.steps = args.get_int("steps");
  o.max_width = args.get_int("max-width");
  o.samples = args.get_int("samples");
  o.seed = args.get_u64("seed");
  o.sampler = parse_sampler(args.get("sampler"));
  o.schedule = parse_schedule(args.get("schedule"));
  if (o.steps < 1 || o.steps > 1000) throw UsageError("oracle: --steps must be between 1 and 1000");
  if (o.max_width < 1 || o.max_width > 64) throw UsageError("oracle: --max-width must be between 1 and 64");
  if (o.samples < 16 || o.samples > 1000000) throw UsageError("oracle: --samples must be between 16 and 1000000");

  const auto rows = run_oracle(o);
  if (args.get_flag("json")) {
    nlohmann::json out;
    out["command"] = "oracle";  // the fields every --json object starts with (docs/cli.md)
    out["ok"] = true;
    out["model"] = "analytic-gmm";
    out["sampler"] = sampler_name(o.sampler);
    out["samples"] = o.samples;
    out["seed"] = o.seed;
    out["version"] = version_line();
    for (const auto& r : rows) {
      out["results"].push_back({{"mode", mode_name(r.mode)},
                                {"steps", r.steps},
                                {"width", r.width},
                                {"serial_latencies", r.serial_latencies},
                                {"theoretical_speedup", r.theoretical_speedup},
                                {"deviation_rms", r.deviation_rms},
                                {"target_error", r.target.combined()},
                                {"target_mean_rms", r.target.mean_rms},
                                {"target_variance_rel", r.target.variance_rel},
                                {"target_component_tv", r.target.component_tv}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kOk;
  }
  std::printf("analytic Gaussian mixture, %s, %d samples, seed %llu\n\n", sampler_name(o.sampler), o.samples,
              static_cast<unsigned long long>(o.seed));
  std::printf("%-13s %5s %5s %9s %8s %11s %9s %9s %9s\n", "mode", "steps", "width", "latencies", "speedup",
              "dev vs seq", "mean err", "var err", "comp TV");
  for (const auto& r : rows)
    std::printf("%-13s %5d %5d %9d %7.2fx %11.5f %9.5f %9.5f %9.5f\n", mode_name(r.mode), r.steps, r.width,
                r.serial_latencies, r.theoretical_speedup, r.deviation_rms, r.target.mean_rms, r.target.variance_rel,
                r.target.component_tv);
  return kOk;
}

}  // namespace drf::cli
