// Recognises PyTorch pickle checkpoints so they can be refused with advice instead of being
// parsed: unpickling runs arbitrary code, so this app loads only safetensors.
#pragma once
#include <cstdint>
#include <string>

namespace drf {

// .ckpt, .pt, .pth, .bin, .pkl, .pickle (case-insensitive).
bool has_pickle_extension(const std::string& path);
// A ZIP archive (torch.save since 1.6) or a bare pickle stream (protocol 2-5) at the start.
bool looks_like_pickle_or_zip(const std::uint8_t* bytes, std::uint64_t size);
// "<path> is a PyTorch pickle checkpoint ..." with the Python lines that convert it.
std::string pickle_refusal_message(const std::string& path);

}  // namespace drf
