// Weight loading by name: safetensors round trip, strict checks that name the offending
// tensor, stored-dtype conversion, loading on several threads, the background model hash, and
// the diffusers folder loader.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "core/engine/pipeline.h"
#include "core/io/safetensors_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/io/file_hash_cache.h"
#include "core/io/sha256.h"
#include "core/models/sd/stable_diffusion_pipeline.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/unet/denoiser_replicas.h"
#include "core/util/errors.h"
#include "model_test_util.h"
#include "tests/support/scoped_env.h"

namespace drf {
namespace {

using test::max_abs_diff;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

struct TinyUnet {
  SdModelConfig config = sd_preset("tiny");
  SdModules modules = test::tiny_random_modules(config);
  torch::Tensor x = torch::randn({2, 4, 8, 8}, at::make_generator<at::CPUGeneratorImpl>(1));
  torch::Tensor t = torch::tensor({3.0, 700.0});
  torch::Tensor ctx = torch::randn({2, 77, 16}, at::make_generator<at::CPUGeneratorImpl>(2));
  torch::Tensor run(UNet2DConditionModel& u) {
    torch::NoGradGuard ng;
    return u->forward(x, t, ctx);
  }
};

TEST(WeightLoading, SafetensorsRoundTripReproducesTheModel) {
  TinyUnet tiny;
  test::TempDir dir("roundtrip");
  write_safetensors(dir.file("unet.safetensors"), module_state(*tiny.modules.unet));
  UNet2DConditionModel fresh(tiny.config.unet, torch::TensorOptions().dtype(torch::kFloat32));
  SafetensorsWeightSource src(std::make_shared<const SafetensorsFile>(dir.file("unet.safetensors")));
  const auto report = load_weights(*fresh, src, torch::kFloat32, torch::kCPU, {});
  EXPECT_EQ(report.tensors, static_cast<int64_t>(fresh->parameters().size()));
  EXPECT_EQ(report.elements, layers::parameter_count(*fresh));
  EXPECT_EQ(max_abs_diff(tiny.run(tiny.modules.unet), tiny.run(fresh)), 0.0);
}

TEST(WeightLoading, HalfPrecisionFilesConvertToTheComputeDtype) {
  TinyUnet tiny;
  test::TempDir dir("fp16");
  for (auto dt : {torch::kFloat16, torch::kBFloat16}) {
    auto state = module_state(*tiny.modules.unet);
    for (auto& kv : state) kv.second = kv.second.to(dt);
    write_safetensors(dir.file("unet.safetensors"), state);
    UNet2DConditionModel fresh(tiny.config.unet, torch::TensorOptions().dtype(torch::kFloat32));
    SafetensorsWeightSource src(std::make_shared<const SafetensorsFile>(dir.file("unet.safetensors")));
    load_weights(*fresh, src, torch::kFloat32, torch::kCPU, {});
    for (auto& p : fresh->named_parameters()) {
      ASSERT_EQ(p.value().scalar_type(), torch::kFloat32);
      ASSERT_TRUE(torch::equal(p.value(), state.at(p.key()).to(torch::kFloat32))) << p.key();
    }
  }
}

TEST(WeightLoading, ReportsMissingMisshapedAndUnexpectedTensorsByName) {
  TinyUnet tiny;
  const auto state = module_state(*tiny.modules.unet);
  auto load = [&](std::map<std::string, torch::Tensor> s) {
    UNet2DConditionModel fresh(tiny.config.unet, torch::TensorOptions().dtype(torch::kFloat32));
    TensorMapWeightSource src(std::move(s), "tiny.safetensors");
    WeightLoadOptions o;
    o.component = "UNet";
    load_weights(*fresh, src, torch::kFloat32, torch::kCPU, o);
  };
  const std::string victim = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight";

  auto missing = state;
  missing.erase(victim);
  std::string msg = error_of([&] { load(missing); });
  EXPECT_NE(msg.find("'" + victim + "' is missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tiny.safetensors (UNet)"), std::string::npos) << msg;

  auto misshaped = state;
  misshaped[victim] = torch::zeros({8, 17});
  msg = error_of([&] { load(misshaped); });
  EXPECT_NE(msg.find("'" + victim + "' has shape [8, 17], expected [8, 16]"), std::string::npos) << msg;

  auto extra = state;
  extra["down_blocks.0.attentions.0.transformer_blocks.1.attn1.to_q.weight"] = torch::zeros({8, 8});
  msg = error_of([&] { load(extra); });
  EXPECT_NE(msg.find("unexpected tensor 'down_blocks.0.attentions.0.transformer_blocks.1.attn1.to_q.weight'"),
            std::string::npos)
      << msg;

  auto integer = state;
  integer[victim] = torch::zeros({8, 16}, torch::kLong);
  msg = error_of([&] { load(integer); });
  EXPECT_NE(msg.find("is not stored as floating point"), std::string::npos) << msg;
}

TEST(WeightLoading, FailedLoadLeavesTheModuleUntouched) {
  TinyUnet tiny;
  auto state = module_state(*tiny.modules.unet);
  const auto before = tiny.run(tiny.modules.unet);
  std::map<std::string, torch::Tensor> broken;
  for (const auto& kv : state) broken[kv.first] = torch::zeros_like(kv.second);
  broken.erase("conv_out.bias");
  TensorMapWeightSource src(broken, "broken.safetensors");
  EXPECT_THROW(load_weights(*tiny.modules.unet, src, torch::kFloat32, torch::kCPU, {}), InputError);
  EXPECT_EQ(max_abs_diff(before, tiny.run(tiny.modules.unet)), 0.0);
}

// A real source that counts how often each stored tensor is read.
class CountingSource : public TensorMapWeightSource {
 public:
  using TensorMapWeightSource::TensorMapWeightSource;
  torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++reads_[name];
    }
    return TensorMapWeightSource::load(name, dtype, device);
  }
  int reads(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = reads_.find(name);
    return it == reads_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::string, int> reads_;
};

struct FusedProjections : torch::nn::Module {
  FusedProjections() {
    for (const char* n : {"q", "k", "v"}) register_parameter(n, torch::empty({4, 6}), false);
  }
};

TEST(WeightLoading, AFusedTensorIsReadOnceForAllItsChunks) {
  // OpenCLIP's in_proj holds q, k and v: the loader's threads share one read of it.
  const auto fused = torch::arange(72, torch::kFloat32).reshape({12, 6});
  auto base = std::make_shared<const CountingSource>(std::map<std::string, torch::Tensor>{{"in_proj", fused}}, "fused");
  std::map<std::string, KeyMapping> map;
  for (int i = 0; i < 3; ++i) map[std::string(1, "qkv"[i])] = KeyMapping{"in_proj", i, 3};
  for (int repeat = 0; repeat < 20; ++repeat) {
    MappedWeightSource mapped(base, map);
    FusedProjections module;
    WeightLoadOptions o;
    o.threads = 8;  // three threads take q, k and v at once, whatever the machine
    load_weights(module, mapped, torch::kFloat32, torch::kCPU, o);
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(torch::equal(module.named_parameters()[std::string(1, "qkv"[i])], fused.chunk(3, 0)[i])) << i;
    ASSERT_EQ(base->reads("in_proj"), repeat + 1);
  }
}

TEST(WeightLoading, TheFirstBadTensorInModuleOrderIsNamedWhateverTheThreadsDo) {
  TinyUnet tiny;
  auto state = module_state(*tiny.modules.unet);
  std::vector<std::string> order;
  for (const auto& p : tiny.modules.unet->named_parameters(true)) order.push_back(p.key());
  const std::string first = order[order.size() / 3], later = order[order.size() / 3 + 1], last = order.back();
  for (const auto& name : {first, later, last}) state[name] = torch::full_like(state[name], NAN);
  test::TempDir dir("nan_order");
  write_safetensors(dir.file("unet.safetensors"), state);
  // The first bad tensor is read slowly: the later ones fail first, and the message must still
  // name the first in module order.
  class SlowFirst : public SafetensorsWeightSource {
   public:
    SlowFirst(std::shared_ptr<const SafetensorsFile> f, std::string slow)
        : SafetensorsWeightSource(std::move(f)), slow_(std::move(slow)) {}
    torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override {
      if (name == slow_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return SafetensorsWeightSource::load(name, dtype, device);
    }

   private:
    std::string slow_;
  };
  SlowFirst src(std::make_shared<const SafetensorsFile>(dir.file("unet.safetensors")), first);
  WeightLoadOptions o;
  o.threads = 8;  // several threads whatever the machine
  for (int repeat = 0; repeat < 3; ++repeat) {
    UNet2DConditionModel fresh(tiny.config.unet, torch::TensorOptions().dtype(torch::kFloat32));
    const std::string msg = error_of([&] { load_weights(*fresh, src, torch::kFloat32, torch::kCPU, o); });
    ASSERT_NE(msg.find("'" + first + "'"), std::string::npos) << msg;
    ASSERT_NE(msg.find("non-finite"), std::string::npos) << msg;
  }
}

TEST(ModelHash, ComputedInTheBackgroundAndStoppedWhenTheModelGoes) {
  test::TempDir dir("bg_hash");
  test::ScopedEnv cache_env("DRIFFUSION_CACHE_DIR", dir.file("cache"));
  const auto cache_text = [] {
    std::ifstream in(file_hash_cache_path());
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };

  // The hash starts with the object, not with get(): it reaches the cache while nobody asks.
  const std::string small = dir.file("small.safetensors");
  test::write_text(small, "weights");
  LazyModelHash started(small);
  bool remembered = false;
  for (int i = 0; i < 400 && !remembered; ++i) {
    remembered = cache_text().find("small.safetensors") != std::string::npos;
    if (!remembered) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(remembered) << "no background hash within 10 s";
  EXPECT_EQ(started.get(), sha256_hex("weights").substr(0, 10));
  EXPECT_EQ(LazyModelHash("").get(), "");
  EXPECT_THROW(LazyModelHash(dir.file("missing.safetensors")).get(), InputError);

  // A model unloaded while its (large) file is being hashed stops the hash: nothing is
  // remembered for the file, which a finished hash would have been.
  const std::string large = dir.file("large.safetensors");
  { std::ofstream(large).flush(); }
  ASSERT_EQ(::truncate(large.c_str(), 4LL << 30), 0);  // 4 GiB, sparse: seconds to hash even with SHA-NI
  { LazyModelHash unloaded(large); }
  EXPECT_EQ(cache_text().find("large.safetensors"), std::string::npos) << cache_text();

  // A job cancelled while it waits for the hash does not wait for the end of it: what the
  // waiting callback throws (the job's cancel check) ends get(), long before 4 GiB are hashed.
  LazyModelHash waited(large);
  int polls = 0;
  EXPECT_THROW(waited.get([&] {
    if (++polls == 2) throw Cancelled();
  }),
               Cancelled);
  EXPECT_EQ(polls, 2);
  EXPECT_EQ(cache_text().find("large.safetensors"), std::string::npos) << "the hash ended before the cancel";
}

TEST(DiffusersFolder, LoadsEveryComponentByName) {
  const SdModelConfig config = sd_preset("tiny");
  SdModules modules = test::tiny_random_modules(config);
  test::TempDir dir("folder");
  test::write_diffusers_folder(dir.path(), config, modules);

  PipelineRequest r;
  r.source = dir.path();
  auto pipeline = load_pipeline(r);
  auto* sd = dynamic_cast<StableDiffusionPipeline*>(pipeline.get());
  ASSERT_NE(sd, nullptr);
  const ModelSummary s = sd->summary();
  EXPECT_EQ(s.architecture, "sd-custom");
  EXPECT_EQ(s.prediction_type, "epsilon");
  EXPECT_EQ(s.native_width, 64);
  EXPECT_EQ(pipeline->model_hash(), model_hash(dir.file("unet/diffusion_pytorch_model.safetensors")));

  torch::NoGradGuard ng;
  auto x = torch::randn({1, 4, 8, 8});
  auto ctx = torch::randn({1, 77, 16});
  auto t = torch::tensor({250.0});
  EXPECT_EQ(max_abs_diff(sd->modules().unet->forward(x, t, ctx), modules.unet->forward(x, t, ctx)), 0.0);
  auto ids = torch::randint(0, 500, {1, 77}, torch::kLong);
  EXPECT_EQ(max_abs_diff(sd->modules().text_encoder->forward(ids), modules.text_encoder->forward(ids)), 0.0);
  auto z = torch::randn({1, 4, 4, 4});
  EXPECT_EQ(max_abs_diff(sd->modules().vae->decode(z), modules.vae->decode(z)), 0.0);

  // The real CLIP tokenizer from tokenizer/: "hello" is one merged token between BOS and EOS.
  std::vector<std::string> warnings;
  auto c = sd->encode("hello", "", 1.0, 0, warnings);
  EXPECT_EQ(c.cond.context.sizes(), (std::vector<int64_t>{1, 77, 16}));
  EXPECT_FALSE(c.uncond.defined());
  EXPECT_TRUE(warnings.empty());
}

TEST(DiffusersFolder, AcceptsDeprecatedVaeAttentionNamesAndHalfVariants) {
  const SdModelConfig config = sd_preset("tiny");
  SdModules modules = test::tiny_random_modules(config);
  test::TempDir dir("folder_old");
  test::write_diffusers_folder(dir.path(), config, modules);
  namespace fs = std::filesystem;
  // Rewrite the VAE with the pre-0.14 attention names and as the .fp16 variant only.
  std::map<std::string, torch::Tensor> old;
  for (auto& [k, v] : module_state(*modules.vae)) {
    std::string name = k;
    for (auto [from, to] : {std::pair<std::string, std::string>{".to_q.", ".query."}, {".to_k.", ".key."},
                            {".to_v.", ".value."}, {".to_out.0.", ".proj_attn."}}) {
      auto pos = name.find(from);
      if (pos != std::string::npos) name.replace(pos, from.size(), to);
    }
    old[name] = v.to(torch::kFloat16);
  }
  fs::remove(dir.file("vae/diffusion_pytorch_model.safetensors"));
  write_safetensors(dir.file("vae/diffusion_pytorch_model.fp16.safetensors"), old);
  PipelineRequest r;
  r.source = dir.path();
  auto pipeline = load_pipeline(r);
  auto* sd = dynamic_cast<StableDiffusionPipeline*>(pipeline.get());
  ASSERT_NE(sd, nullptr);
  torch::NoGradGuard ng;
  auto z = torch::randn({1, 4, 4, 4});
  EXPECT_LT(max_abs_diff(sd->modules().vae->decode(z), modules.vae->decode(z)), 0.05);  // fp16-rounded weights
}

TEST(DiffusersFolder, MissingPiecesAreNamed) {
  const SdModelConfig config = sd_preset("tiny");
  SdModules modules = test::tiny_random_modules(config);
  test::TempDir dir("folder_bad");
  test::write_diffusers_folder(dir.path(), config, modules);
  namespace fs = std::filesystem;
  PipelineRequest r;
  r.source = dir.path();

  fs::rename(dir.file("text_encoder/model.safetensors"), dir.file("text_encoder/pytorch_model.bin"));
  std::string msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("pytorch_model.bin"), std::string::npos) << msg;
  fs::rename(dir.file("text_encoder/pytorch_model.bin"), dir.file("text_encoder/model.safetensors"));

  fs::remove(dir.file("tokenizer/merges.txt"));
  msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("merges.txt"), std::string::npos) << msg;
  test::write_tokenizer_folder(dir.file("tokenizer"));

  test::write_text(dir.file("model_index.json"), R"({"_class_name": "StableDiffusionXLPipeline"})");
  msg = error_of([&] { load_pipeline(r); });
  EXPECT_NE(msg.find("StableDiffusionXLPipeline"), std::string::npos) << msg;
}

}  // namespace
}  // namespace drf
