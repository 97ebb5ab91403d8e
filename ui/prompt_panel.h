// Prompt and negative prompt editors with a list of recently used prompts.
#pragma once
#include <QStringList>
#include <QWidget>

class QComboBox;
class QPlainTextEdit;

namespace drf::ui {

class PromptPanel : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMaxRecent = 20;
  explicit PromptPanel(QWidget* parent = nullptr);

  QString prompt() const;
  QString negativePrompt() const;
  void setPrompt(const QString& text);
  void setNegativePrompt(const QString& text);

  void rememberPrompt(const QString& prompt);  // moves it to the top of the recent list
  QStringList recentPrompts() const { return recent_; }
  void setRecentPrompts(const QStringList& prompts);

  QPlainTextEdit* promptEdit() const { return prompt_; }
  QPlainTextEdit* negativeEdit() const { return negative_; }

 private:
  void rebuildRecentCombo();

  QPlainTextEdit* prompt_;
  QPlainTextEdit* negative_;
  QComboBox* recent_combo_;
  QStringList recent_;
};

}  // namespace drf::ui
