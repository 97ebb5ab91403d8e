// A dismissible message strip at the top of the window: errors (a failed job, a model that
// cannot load, a file that cannot be saved) and notices, readable and never modal.
#pragma once
#include <QFrame>

class QLabel;
class QToolButton;

namespace drf::ui {

class MessageBanner : public QFrame {
  Q_OBJECT
 public:
  enum class Level { Info, Warning, Error };
  explicit MessageBanner(QWidget* parent = nullptr);

  void showMessage(Level level, const QString& text);
  QString text() const;
  Level level() const { return level_; }

 private:
  QLabel* text_;
  QToolButton* close_;
  Level level_ = Level::Info;
};

}  // namespace drf::ui
