#include "ui/wheel_guard.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QEvent>
#include <QScrollBar>
#include <QWidget>

namespace drf::ui {

void WheelGuard::install() {
  static WheelGuard* guard = nullptr;
  if (guard || !qApp) return;
  guard = new WheelGuard(qApp);
  qApp->installEventFilter(guard);
}

bool WheelGuard::isGuarded(const QObject* o) {
  // Scroll bars are what the wheel is for; everything else that turns the wheel into a value is guarded.
  if (qobject_cast<const QScrollBar*>(o)) return false;
  return qobject_cast<const QAbstractSpinBox*>(o) || qobject_cast<const QComboBox*>(o) ||
         qobject_cast<const QAbstractSlider*>(o);
}

bool WheelGuard::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Polish && isGuarded(watched)) {
    // Qt::WheelFocus (the spin box default) would hand the focus over on the first wheel turn,
    // before any filter sees the event.
    auto* w = static_cast<QWidget*>(watched);
    if (w->focusPolicy() == Qt::WheelFocus) w->setFocusPolicy(Qt::StrongFocus);
  } else if (event->type() == QEvent::Wheel && isGuarded(watched) && !static_cast<QWidget*>(watched)->hasFocus()) {
    // Ignored and filtered: QApplication passes the wheel on to the parent (the scroll area).
    event->ignore();
    return true;
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace drf::ui
