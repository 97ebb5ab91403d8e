// driffusion-train: trains, evaluates and benchmarks the built-in emoji model
// (docs/builtin-model.md has the recipe and the exact commands).
//   driffusion-train train --data D --out O [--resume R] [--train-seconds S --schedule-seconds T ...]
//   driffusion-train eval  --model M --data D --out O [--guidance-sweep 2,3,4 --steps 25 ...]
//   driffusion-train bench --model M --out O [--device cpu|cuda:0 --runs 10]
//   driffusion-train distill-lcm --teacher M --data D --out O [--train-seconds S --guidance 3 ...]
#include <cstdio>
#include <string>

#include "app/train/emoji_eval.h"
#include "app/train/emoji_trainer.h"
#include "app/train/lcm_distiller.h"
#include "core/util/errors.h"
#ifdef DRIFFUSION_HAVE_GPU
#include "gpu/gpu_registration.h"
#endif

int main(int argc, char** argv) {
  const std::string usage = "usage: driffusion-train train|eval|bench|distill-lcm --option value ... (see docs/builtin-model.md)\n";
  if (argc < 2) {
    std::fputs(usage.c_str(), stderr);
    return 2;
  }
#ifdef DRIFFUSION_HAVE_GPU
  drf::gpu::register_gpu_backend();
#endif
  const std::string command = argv[1];
  try {
    drf::train::TrainArgs args(argc, argv, 2);
    if (command == "train") return drf::train::run_train(args);
    if (command == "eval") return drf::train::run_eval(args);
    if (command == "bench") return drf::train::run_bench(args);
    if (command == "distill-lcm") return drf::train::run_distill_lcm(args);
    std::fprintf(stderr, "unknown command '%s'\n%s", command.c_str(), usage.c_str());
    return 2;
  } catch (const drf::Error& e) {
    std::fprintf(stderr, "driffusion-train %s: %s error: %s\n", command.c_str(), drf::error_kind_name(e.kind()), e.what());
    return e.kind() == drf::ErrorKind::Usage ? 2 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "driffusion-train %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
