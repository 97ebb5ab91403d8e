#include "core/io/checkpoint_format.h"

#include <algorithm>
#include <cctype>

namespace drf {

bool has_pickle_extension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == "ckpt" || ext == "pt" || ext == "pth" || ext == "bin" || ext == "pkl" || ext == "pickle";
}

bool looks_like_pickle_or_zip(const std::uint8_t* bytes, std::uint64_t size) {
  if (size >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && (bytes[2] == 3 || bytes[2] == 5) &&
      (bytes[3] == 4 || bytes[3] == 6))
    return true;
  return size >= 2 && bytes[0] == 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

std::string pickle_refusal_message(const std::string& path) {
  return path +
         ": this is a PyTorch pickle checkpoint (.ckpt/.pt/.pth/.bin). DRiffusion Studio loads only "
         ".safetensors files, because opening a pickle can run any code hidden in it. Convert it once, "
         "on a machine you trust, with PyTorch and the `safetensors` Python package:\n"
         "  import torch\n"
         "  from safetensors.torch import save_file\n"
         "  sd = torch.load('model.ckpt', map_location='cpu', weights_only=True)\n"
         "  sd = sd.get('state_dict', sd)\n"
         "  save_file({k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}, "
         "'model.safetensors')\n"
         "or download the .safetensors version of the model where one is published.";
}

}  // namespace drf
