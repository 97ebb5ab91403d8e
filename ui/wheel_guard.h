// The one rule for the mouse wheel over value widgets (spin boxes, combo boxes, sliders): they
// take it only when they have the keyboard focus. Otherwise the wheel scrolls what is around
// them (the settings panel), instead of changing guidance or width under a passing pointer.
#pragma once
#include <QObject>

namespace drf::ui {

class WheelGuard : public QObject {
  Q_OBJECT
 public:
  // Installs one guard on the application (idempotent); every widget, present or future,
  // follows the rule.
  static void install();
  // Whether the rule applies to this widget (it changes a value on the wheel).
  static bool isGuarded(const QObject* widget);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  using QObject::QObject;
};

}  // namespace drf::ui
