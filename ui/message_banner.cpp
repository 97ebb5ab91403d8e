#include "ui/message_banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace drf::ui {

MessageBanner::MessageBanner(QWidget* parent) : QFrame(parent), text_(new QLabel), close_(new QToolButton) {
  setObjectName(QStringLiteral("messageBanner"));
  text_->setObjectName(QStringLiteral("messageBannerText"));
  text_->setWordWrap(true);
  text_->setTextFormat(Qt::PlainText);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  close_->setText(tr("Dismiss"));
  close_->setToolTip(tr("Hide this message (it also goes away once its cause is gone)"));
  close_->setAutoRaise(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 4, 4);
  layout->addWidget(text_, 1);
  layout->addWidget(close_, 0, Qt::AlignTop);
  connect(close_, &QToolButton::clicked, this, &QWidget::hide);
  hide();
}

void MessageBanner::showMessage(Level level, const QString& text, const QString& topic) {
  level_ = level;
  topic_ = topic;
  const char* colors = level == Level::Error     ? "background: #fde7e9; color: #5f0010; border: 1px solid #e8a0a8;"
                       : level == Level::Warning ? "background: #fff4ce; color: #4d3800; border: 1px solid #e6cf7a;"
                                                 : "background: #e5f1fb; color: #0b3558; border: 1px solid #9cc4e8;";
  setStyleSheet(QStringLiteral("#messageBanner { %1 border-radius: 4px; } #messageBanner QLabel { border: none; background: transparent; }")
                    .arg(QLatin1String(colors)));
  text_->setText(text);
  show();
}

void MessageBanner::clearTopic(const QString& topic) {
  if (isVisible() && !topic.isEmpty() && topic_ == topic) hide();
}

QString MessageBanner::text() const { return isVisible() ? text_->text() : QString(); }

}  // namespace drf::ui
