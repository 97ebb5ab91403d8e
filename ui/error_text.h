// Engine failures in words a user can act on. A LibTorch exception's text carries the
// allocator's internals and a C++ stack of dozens of frames; the window and the log get its
// first line, and an allocation failure becomes "out of memory: ... about N GB".
#pragma once
#include <QString>

namespace drf::ui {

QString readableErrorMessage(const QString& raw);
// "1.5 GB" / "820 MB": sizes in the units people read on a machine's spec sheet (GiB as GB).
QString memorySizeText(double bytes);

}  // namespace drf::ui
