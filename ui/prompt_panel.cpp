#include "ui/prompt_panel.h"

#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace drf::ui {

PromptPanel::PromptPanel(QWidget* parent)
    : QWidget(parent), prompt_(new QPlainTextEdit), negative_(new QPlainTextEdit), recent_combo_(new QComboBox) {
  prompt_->setObjectName(QStringLiteral("promptEdit"));
  negative_->setObjectName(QStringLiteral("negativeEdit"));
  recent_combo_->setObjectName(QStringLiteral("recentPromptsCombo"));
  prompt_->setPlaceholderText(tr("Describe the image (Ctrl+Enter generates)"));
  negative_->setPlaceholderText(tr("What the image should not contain"));
  prompt_->setTabChangesFocus(true);
  negative_->setTabChangesFocus(true);
  prompt_->setMinimumHeight(60);
  prompt_->setMaximumHeight(120);
  negative_->setMinimumHeight(36);
  negative_->setMaximumHeight(56);
  recent_combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  recent_combo_->setMinimumContentsLength(16);
  recent_combo_->setToolTip(tr("Recently used prompts"));
  prompt_->setToolTip(tr("What the image shows; Ctrl+Enter generates, Ctrl+Shift+Enter compares. "
                         "Dropping an image here restores its settings."));
  negative_->setToolTip(tr("What the image should not contain (used with guidance above 1)"));

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* promptLabel = new QLabel(tr("&Prompt"));
  promptLabel->setBuddy(prompt_);
  auto* negativeLabel = new QLabel(tr("&Negative prompt"));
  negativeLabel->setBuddy(negative_);
  layout->addWidget(promptLabel);
  layout->addWidget(prompt_, 2);
  layout->addWidget(negativeLabel);
  layout->addWidget(negative_, 1);
  layout->addWidget(recent_combo_);

  connect(recent_combo_, &QComboBox::activated, this, [this](int index) {
    if (index > 0) setPrompt(recent_combo_->itemData(index).toString());
    recent_combo_->setCurrentIndex(0);
  });
  rebuildRecentCombo();
}

QString PromptPanel::prompt() const { return prompt_->toPlainText(); }
QString PromptPanel::negativePrompt() const { return negative_->toPlainText(); }
void PromptPanel::setPrompt(const QString& text) { prompt_->setPlainText(text); }
void PromptPanel::setNegativePrompt(const QString& text) { negative_->setPlainText(text); }

void PromptPanel::rememberPrompt(const QString& prompt) {
  const QString p = prompt.trimmed();
  if (p.isEmpty()) return;
  recent_.removeAll(p);
  recent_.prepend(p);
  while (recent_.size() > kMaxRecent) recent_.removeLast();
  rebuildRecentCombo();
}

void PromptPanel::setRecentPrompts(const QStringList& prompts) {
  recent_.clear();
  for (const QString& p : prompts)
    if (!p.trimmed().isEmpty() && !recent_.contains(p) && recent_.size() < kMaxRecent) recent_.append(p);
  rebuildRecentCombo();
}

void PromptPanel::rebuildRecentCombo() {
  recent_combo_->clear();
  recent_combo_->addItem(recent_.isEmpty() ? tr("No recent prompts") : tr("Recent prompts..."));
  for (const QString& p : recent_) {
    const QString line = p.simplified();
    recent_combo_->addItem(line.size() > 60 ? line.left(59) + QChar(0x2026) : line, p);
    recent_combo_->setItemData(recent_combo_->count() - 1, p, Qt::ToolTipRole);
  }
  recent_combo_->setEnabled(!recent_.isEmpty());
}

}  // namespace drf::ui
