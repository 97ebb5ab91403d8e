// The one escaping function for text from untrusted files (core/util/printable_text.h) and the
// log sinks that apply it: terminal control sequences from a tensor name or a PNG text chunk
// must reach neither the terminal nor the GUI log view raw.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "core/util/log.h"
#include "core/util/printable_text.h"

namespace {

using drf::LineBreaks;
using drf::printable_text;

bool has_control_byte(const std::string& s, bool allow_newline) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && !(allow_newline && c == '\n')) || c == 0x7F) return true;
  return false;
}

TEST(PrintableText, EscapesTerminalSequences) {
  // CSI "clear screen", OSC "set title" ended by BEL, a DEL.
  EXPECT_EQ(printable_text("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable_text("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
  EXPECT_EQ(printable_text("x\x7fy"), "x\\x7fy");
  // C1 controls as UTF-8 (U+009B is CSI for terminals that honour C1) are escaped byte by byte.
  EXPECT_EQ(printable_text("p\xc2\x9b" "2Jq"), "p\\xc2\\x9b2Jq");
  // A raw C1 byte is ill-formed UTF-8: escaped too.
  EXPECT_EQ(printable_text("\x9b"), "\\x9b");
}

TEST(PrintableText, KeepsOrdinaryText) {
  EXPECT_EQ(printable_text("a cat, (masterpiece:1.2)"), "a cat, (masterpiece:1.2)");
  EXPECT_EQ(printable_text("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xb1"), "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xb1");
  EXPECT_EQ(printable_text("a\tb"), "a\tb");
  EXPECT_EQ(printable_text(""), "");
}

TEST(PrintableText, LineBreaksEscapedOrKept) {
  EXPECT_EQ(printable_text("line\nforged"), "line\\x0aforged");
  EXPECT_EQ(printable_text("line\nnext", LineBreaks::Keep), "line\nnext");
  EXPECT_EQ(printable_text("cr\rhere", LineBreaks::Keep), "cr\\x0dhere");  // CR could overwrite the line
}

TEST(PrintableText, IllFormedUtf8IsEscaped) {
  EXPECT_EQ(printable_text("\xc3"), "\\xc3");                  // truncated sequence
  EXPECT_EQ(printable_text("\xc0\xaf"), "\\xc0\\xaf");         // overlong '/'
  EXPECT_EQ(printable_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(printable_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST(PrintableText, CutsLongText) {
  const std::string out = printable_text(std::string(1000, 'a'), LineBreaks::Escape, 50);
  EXPECT_EQ(out, std::string(50, 'a') + "...");
}

TEST(PrintableText, EveryByteValueComesOutPrintable) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_FALSE(has_control_byte(printable_text(all), false));
  EXPECT_FALSE(has_control_byte(printable_text(all, LineBreaks::Keep), true));
}

TEST(PrintableText, LogSinksReceiveEscapedMessages) {
  // The GUI's log view is a sink added like this one: it must see escaped text, and a line
  // break must not start what looks like a new log record.
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  sink->set_pattern("[%l] %v");
  drf::add_log_sink(sink);
  drf::set_log_level(spdlog::level::warn);
  drf::core_log()->warn("tensor '{}'", "evil\x1b]0;title\x07\n[error] forged record");
  drf::core_log()->flush();
  const std::string text = captured.str();
  EXPECT_NE(text.find("evil\\x1b]0;title\\x07"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find("\n[error] forged"), std::string::npos) << text;
  EXPECT_NE(text.find("\n    [error] forged record"), std::string::npos) << text;
}

}  // namespace
