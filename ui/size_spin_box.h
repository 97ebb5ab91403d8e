// An image size field that follows the engine's one size rule (core/engine/settings.h:
// kImageSizeMin..kImageSizeMax, multiples of kImageSizeMultiple): any allowed value can be
// typed, a value off the rule is rounded to the nearest allowed one when the field is left,
// and the arrows move in steps of 64 px.
#pragma once
#include <QSpinBox>

namespace drf::ui {

class SizeSpinBox : public QSpinBox {
  Q_OBJECT
 public:
  explicit SizeSpinBox(QWidget* parent = nullptr);
  static int nearestAllowed(int pixels);  // the allowed size closest to `pixels`

 protected:
  QValidator::State validate(QString& input, int& pos) const override;
  void fixup(QString& input) const override;
};

}  // namespace drf::ui
