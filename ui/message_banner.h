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

  // `topic` names the cause ("model", "job", "save", ...): clearTopic() hides the message once
  // that cause is gone, so an old error never stays next to a working setup.
  void showMessage(Level level, const QString& text, const QString& topic = QString());
  void clearTopic(const QString& topic);
  QString text() const;
  QString topic() const { return isVisible() ? topic_ : QString(); }
  Level level() const { return level_; }

 private:
  QLabel* text_;
  QToolButton* close_;
  Level level_ = Level::Info;
  QString topic_;
};

}  // namespace drf::ui
