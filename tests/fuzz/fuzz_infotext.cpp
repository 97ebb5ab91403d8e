// libFuzzer target: the AUTOMATIC1111 infotext parser (core/image/infotext.h), which reads the
// "parameters" text of PNGs dropped on the window. It is documented never to throw.
#include <cstdint>
#include <string>

#include "core/image/infotext.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const drf::InfotextParams p = drf::parse_infotext(text);
  for (const auto& [key, value] : p.fields) (void)drf::quote_infotext_value(value);
  (void)drf::unquote_infotext_value(text);
  return 0;
}
