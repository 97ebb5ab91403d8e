// libFuzzer target: the text an image file carries, as the CLI's `info --image` and
// `--from-image` and the GUI's drop handler read it: PNG chunks (tEXt/iTXt/zTXt, CRCs, lengths),
// then the "parameters" infotext and the "driffusion-settings" JSON, and every string escaped
// for the terminal. Only InputError may escape (from the PNG framing or the settings JSON).
#include <cstdint>
#include <string>

#include "core/image/infotext.h"
#include "core/image/png_text_chunks.h"
#include "core/image/settings_json.h"
#include "core/util/errors.h"
#include "core/util/printable_text.h"

namespace {

void check_printable(const std::string& text) {
  for (drf::LineBreaks lines : {drf::LineBreaks::Escape, drf::LineBreaks::Keep}) {
    const std::string shown = drf::printable_text(text, lines, 4096);
    for (unsigned char c : shown)
      if ((c < 0x20 && c != '\t' && !(c == '\n' && lines == drf::LineBreaks::Keep)) || c == 0x7F) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Inputs without the PNG signature get one, so that mutations reach the chunk walk.
  const std::string signature("\x89PNG\r\n\x1a\n", 8);
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.compare(0, 8, signature) != 0) bytes = signature + bytes;
  drf::TextEntries entries;
  try {
    bool compressed = false;
    entries = drf::parse_png_text_chunks(bytes, &compressed);
  } catch (const drf::InputError&) {
    return 0;
  }
  for (const auto& [key, value] : entries) {
    check_printable(key);
    check_printable(value);
    if (key == "parameters") {
      const drf::InfotextParams p = drf::parse_infotext(value);
      for (const auto& w : p.warnings) check_printable(w);
    } else if (key == "driffusion-settings") {
      try {
        (void)drf::run_record_from_json(value);
      } catch (const drf::InputError& e) {
        check_printable(e.what());
      } catch (const drf::UsageError& e) {
        check_printable(e.what());
      }
    }
  }
  return 0;
}
