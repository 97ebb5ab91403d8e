#include "ui/size_spin_box.h"

#include <algorithm>

#include "core/engine/settings.h"

namespace drf::ui {

SizeSpinBox::SizeSpinBox(QWidget* parent) : QSpinBox(parent) {
  setRange(kImageSizeMin, kImageSizeMax);
  setSingleStep(64);
  setSuffix(tr(" px"));
  setCorrectionMode(QAbstractSpinBox::CorrectToNearestValue);
  setToolTip(tr("A multiple of %1 between %2 and %3 pixels").arg(kImageSizeMultiple).arg(kImageSizeMin).arg(kImageSizeMax));
}

int SizeSpinBox::nearestAllowed(int pixels) {
  const int rounded = (pixels + kImageSizeMultiple / 2) / kImageSizeMultiple * kImageSizeMultiple;
  return std::clamp(rounded, kImageSizeMin, kImageSizeMax);
}

QValidator::State SizeSpinBox::validate(QString& input, int& pos) const {
  const QValidator::State base = QSpinBox::validate(input, pos);
  if (base != QValidator::Acceptable) return base;
  // In range but off the rule: still typing (999 on the way to 9990 is out of range anyway).
  return is_valid_image_size(valueFromText(input)) ? QValidator::Acceptable : QValidator::Intermediate;
}

void SizeSpinBox::fixup(QString& input) const {
  bool ok = false;
  QString digits = input;
  digits.remove(suffix());
  const int typed = locale().toInt(digits.trimmed(), &ok);
  if (ok) input = textFromValue(nearestAllowed(typed));
}

}  // namespace drf::ui
