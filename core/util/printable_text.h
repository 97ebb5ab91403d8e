// Text from untrusted files (tensor names, PNG text, JSON strings, paths) made safe to print on a
// terminal or write to a log: the one escaping function the CLI, the logs and the GUI log view use.
// A file could otherwise carry ESC/CSI/OSC sequences that rewrite the terminal, forge log lines or
// set the window title. Plain C++ (no LibTorch): ui/ may include it.
#pragma once
#include <cstddef>
#include <string>

namespace drf {

enum class LineBreaks { Escape, Keep };

// `text` with C0 controls (except '\n' when line breaks are kept, and '\t'), DEL, C1 controls
// (U+0080..U+009F, which some terminals obey as CSI/OSC) and ill-formed UTF-8 bytes written as
// \xNN. Every other character, UTF-8 included, is kept. Cut to about max_bytes with "..."
// (0 = no limit).
std::string printable_text(const std::string& text, LineBreaks breaks = LineBreaks::Escape, std::size_t max_bytes = 0);

}  // namespace drf
