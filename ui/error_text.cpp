#include "ui/error_text.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace drf::ui {

QString memorySizeText(double bytes) {
  const double gib = bytes / (1024.0 * 1024.0 * 1024.0);
  if (gib >= 10) return QStringLiteral("%1 GB").arg(gib, 0, 'f', 0);
  if (gib >= 1) return QStringLiteral("%1 GB").arg(gib, 0, 'f', 1);
  return QStringLiteral("%1 MB").arg(bytes / (1024.0 * 1024.0), 0, 'f', 0);
}

QString readableErrorMessage(const QString& raw) {
  // "... tried to allocate 68719476736 bytes. Error code 12 (Cannot allocate memory)" (CPU) or
  // "CUDA out of memory. Tried to allocate 2.00 GiB ..." (GPU).
  static const QRegularExpression bytes(QStringLiteral("tried to allocate (\\d+) bytes"),
                                        QRegularExpression::CaseInsensitiveOption);
  static const QRegularExpression cuda(QStringLiteral("out of memory\\. Tried to allocate ([0-9.]+ [KMG]iB)"),
                                       QRegularExpression::CaseInsensitiveOption);
  if (const auto m = bytes.match(raw); m.hasMatch())
    return QCoreApplication::translate("drf::ui", "out of memory: one step needed another %1 at once; choose a "
                                                  "smaller image size or width")
        .arg(memorySizeText(m.captured(1).toDouble()));
  if (const auto m = cuda.match(raw); m.hasMatch())
    return QCoreApplication::translate("drf::ui", "out of GPU memory: one step needed another %1 at once; choose a "
                                                  "smaller image size, width or draft memory")
        .arg(m.captured(1).replace(QStringLiteral("iB"), QStringLiteral("B")));
  QString first = raw.section(QLatin1Char('\n'), 0, 0).trimmed();
  // "[enforce fail at alloc_cpu.cpp:75] data. " and similar source locations say nothing to a user.
  static const QRegularExpression location(QStringLiteral("^\\[[^\\]]*\\.(cpp|h|cu):\\d+\\]\\s*"));
  first.remove(location);
  return first.isEmpty() ? raw.trimmed() : first;
}

}  // namespace drf::ui
