#include "ui/log_sink.h"

#include "core/util/log.h"

namespace drf::ui {

void QtLogSink::detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  emitter_ = nullptr;
}

void QtLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  // Called with mutex_ held, so detach() cannot run concurrently. The emitter lives on the
  // GUI thread: emitting from another thread makes the connection queued.
  if (!emitter_) return;
  const QString logger = QString::fromUtf8(msg.logger_name.data(), static_cast<int>(msg.logger_name.size()));
  const QString text = QString::fromUtf8(msg.payload.data(), static_cast<int>(msg.payload.size()));
  Q_EMIT emitter_->record(static_cast<int>(msg.level), logger, text);
}

std::shared_ptr<QtLogSink> attachLogSink(LogEmitter* emitter) {
  auto sink = std::make_shared<QtLogSink>(emitter);
  add_log_sink(sink);
  return sink;
}

}  // namespace drf::ui
