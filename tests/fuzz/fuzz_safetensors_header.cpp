// libFuzzer target: the safetensors header parser on arbitrary file bytes. Anything but an
// InputError escaping, a crash, a sanitizer report or a large allocation is a finding. A header
// that parses must survive a rebuild-and-reparse round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/io/safetensors_header.h"
#include "core/util/errors.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void round_trip(const drf::SafetensorsHeader& h) {
  const std::string json = drf::build_safetensors_header(h.tensors, h.metadata);
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((static_cast<std::uint64_t>(json.size()) >> (8 * i)) & 0xFF);
  file += json;
  file.append(h.data_size, '\0');
  const auto again =
      drf::parse_safetensors_header(reinterpret_cast<const std::uint8_t*>(file.data()), file.size(), "rt");
  check(again.metadata == h.metadata && again.tensors.size() == h.tensors.size());
  for (std::size_t i = 0; i < h.tensors.size(); ++i) {
    const auto &a = h.tensors[i], &b = again.tensors[i];
    check(a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.begin == b.begin && a.end == b.end);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto h = drf::parse_safetensors_header(data, size, "fuzz.safetensors");
    for (const auto& e : h.tensors) check(e.begin <= e.end && e.end <= h.data_size);
    check(h.data_start + h.data_size == size);
    round_trip(h);
  } catch (const drf::InputError&) {
  }
  return 0;
}
