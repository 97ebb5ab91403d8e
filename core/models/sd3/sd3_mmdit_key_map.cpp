#include "core/models/sd3/sd3_mmdit_key_map.h"

#include <regex>

#include "core/models/latent/ldm_key_map.h"
#include "core/util/errors.h"

namespace drf {
namespace {

// A renaming view that also swaps the two halves (along dim 0) of some tensors: the (shift,
// scale) <-> (scale, shift) order of AdaLayerNormContinuous. Swapping is its own inverse.
class Sd3SwappedHalvesSource : public WeightSource {
 public:
  Sd3SwappedHalvesSource(std::shared_ptr<const WeightSource> base, std::set<std::string> swapped)
      : base_(std::move(base)), swapped_(std::move(swapped)) {}
  std::string describe() const override { return base_->describe(); }
  std::vector<std::string> names() const override { return base_->names(); }
  bool contains(const std::string& name) const override { return base_->contains(name); }
  std::vector<int64_t> shape(const std::string& name) const override { return base_->shape(name); }
  bool is_floating(const std::string& name) const override { return base_->is_floating(name); }
  torch::Tensor load(const std::string& name, torch::Dtype dtype, const torch::Device& device) const override {
    torch::Tensor t = base_->load(name, dtype, device);
    if (!swapped_.count(name)) return t;
    if (t.dim() < 1 || t.size(0) % 2 != 0)
      throw InputError(describe() + ": " + display_name(name) + " has " + std::to_string(t.dim() ? t.size(0) : 0) +
                       " rows, not an even (shift, scale) pair");
    auto halves = t.chunk(2, 0);
    return torch::cat({halves[1], halves[0]}, 0);
  }
  std::string display_name(const std::string& name) const override { return base_->display_name(name); }

 private:
  std::shared_ptr<const WeightSource> base_;
  std::set<std::string> swapped_;
};

torch::Tensor sd3_swap_halves(const torch::Tensor& t) {
  auto halves = t.chunk(2, 0);
  return torch::cat({halves[1], halves[0]}, 0);
}

}  // namespace

Sd3MmditKeyMap sd3_mmdit_key_map(const std::vector<std::string>& names, const Sd3TransformerConfig& config) {
  static const std::regex block_re(R"(^transformer_blocks\.(\d+)\.(.*)$)");
  // Whole-name prefixes (diffusers -> original), tried in order; "X" stands for the rest.
  static const std::vector<std::pair<std::string, std::string>> top = {
      {"pos_embed.proj.", "x_embedder.proj."},
      {"time_text_embed.timestep_embedder.linear_1.", "t_embedder.mlp.0."},
      {"time_text_embed.timestep_embedder.linear_2.", "t_embedder.mlp.2."},
      {"time_text_embed.text_embedder.linear_1.", "y_embedder.mlp.0."},
      {"time_text_embed.text_embedder.linear_2.", "y_embedder.mlp.2."},
      {"context_embedder.", "context_embedder."},
      {"proj_out.", "final_layer.linear."},
      {"norm_out.linear.", "final_layer.adaLN_modulation.1."}};
  // Inside a block: (diffusers prefix, original prefix, qkv chunk or -1).
  struct Rule {
    const char* ours;
    const char* theirs;
    int chunk;
  };
  static const std::vector<Rule> block = {
      {"attn.to_q.", "x_block.attn.qkv.", 0},          {"attn.to_k.", "x_block.attn.qkv.", 1},
      {"attn.to_v.", "x_block.attn.qkv.", 2},          {"attn.add_q_proj.", "context_block.attn.qkv.", 0},
      {"attn.add_k_proj.", "context_block.attn.qkv.", 1}, {"attn.add_v_proj.", "context_block.attn.qkv.", 2},
      {"attn.norm_q.", "x_block.attn.ln_q.", -1},      {"attn.norm_k.", "x_block.attn.ln_k.", -1},
      {"attn.norm_added_q.", "context_block.attn.ln_q.", -1}, {"attn.norm_added_k.", "context_block.attn.ln_k.", -1},
      {"attn.to_out.0.", "x_block.attn.proj.", -1},    {"attn.to_add_out.", "context_block.attn.proj.", -1},
      {"attn2.to_q.", "x_block.attn2.qkv.", 0},        {"attn2.to_k.", "x_block.attn2.qkv.", 1},
      {"attn2.to_v.", "x_block.attn2.qkv.", 2},        {"attn2.norm_q.", "x_block.attn2.ln_q.", -1},
      {"attn2.norm_k.", "x_block.attn2.ln_k.", -1},    {"attn2.to_out.0.", "x_block.attn2.proj.", -1},
      {"norm1.linear.", "x_block.adaLN_modulation.1.", -1},
      {"norm1_context.linear.", "context_block.adaLN_modulation.1.", -1},
      {"ff.net.0.proj.", "x_block.mlp.fc1.", -1},      {"ff.net.2.", "x_block.mlp.fc2.", -1},
      {"ff_context.net.0.proj.", "context_block.mlp.fc1.", -1}, {"ff_context.net.2.", "context_block.mlp.fc2.", -1}};
  const std::string P = kSd3MmditPrefix;
  Sd3MmditKeyMap out;
  for (const auto& name : names) {
    if (name == "pos_embed.pos_embed") {
      out.mapping[name] = KeyMapping{P + "pos_embed"};
      continue;
    }
    bool done = false;
    for (const auto& [ours, theirs] : top)
      if (name.compare(0, ours.size(), ours) == 0) {
        out.mapping[name] = KeyMapping{P + theirs + name.substr(ours.size())};
        if (ours == "norm_out.linear.") out.swapped_halves.insert(name);
        done = true;
        break;
      }
    std::smatch m;
    if (!done && std::regex_match(name, m, block_re)) {
      const std::string index = m[1].str(), rest = m[2].str();
      for (const Rule& r : block) {
        const std::string ours = r.ours;
        if (rest.compare(0, ours.size(), ours) != 0) continue;
        KeyMapping km{P + "joint_blocks." + index + "." + r.theirs + rest.substr(ours.size())};
        if (r.chunk >= 0) {
          km.chunk = r.chunk;
          km.chunks = 3;
        }
        out.mapping[name] = km;
        // The last block's context norm is AdaLayerNormContinuous (context_pre_only).
        if (ours == "norm1_context.linear." && std::stoll(index) == config.num_layers - 1)
          out.swapped_halves.insert(name);
        done = true;
        break;
      }
    }
    if (!done) throw Error(ErrorKind::Internal, "SD3 single-file key map: no original name for '" + name + "'");
  }
  return out;
}

std::shared_ptr<const WeightSource> sd3_mmdit_weights(std::shared_ptr<const WeightSource> file, const Sd3MmditKeyMap& map) {
  auto mapped = std::make_shared<MappedWeightSource>(std::move(file), map.mapping);
  return std::make_shared<Sd3SwappedHalvesSource>(std::move(mapped), map.swapped_halves);
}

std::map<std::string, torch::Tensor> to_sd3_mmdit_names(const std::map<std::string, torch::Tensor>& state,
                                                        const Sd3MmditKeyMap& map) {
  std::map<std::string, torch::Tensor> swapped = state;
  for (const auto& name : map.swapped_halves) {
    auto it = swapped.find(name);
    if (it != swapped.end()) it->second = sd3_swap_halves(it->second);
  }
  return to_ldm_names(swapped, map.mapping);
}

}  // namespace drf
