#include "ui/log_view.h"

#include <QTime>
#include <spdlog/common.h>

#include "ui/log_sink.h"

namespace drf::ui {

LogView::LogView(QWidget* parent) : QPlainTextEdit(parent), emitter_(new LogEmitter) {
  setObjectName(QStringLiteral("logView"));
  setReadOnly(true);
  setMaximumBlockCount(5000);  // a long session must not grow without bound
  setLineWrapMode(QPlainTextEdit::NoWrap);
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::TypeWriter);
  setFont(mono);
  emitter_->setParent(this);
  connect(emitter_, &LogEmitter::record, this, &LogView::appendRecord);
  sink_ = attachLogSink(emitter_);
}

LogView::~LogView() { sink_->detach(); }

void LogView::appendRecord(int level, const QString& logger, const QString& message) {
  const auto name = spdlog::level::to_string_view(static_cast<spdlog::level::level_enum>(level));
  appendPlainText(QStringLiteral("%1 [%2] %3: %4")
                      .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz")),
                           QString::fromUtf8(name.data(), static_cast<int>(name.size())), logger, message));
}

}  // namespace drf::ui
