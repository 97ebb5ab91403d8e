// An spdlog sink that forwards each record to the GUI thread as a queued Qt signal. Records
// come from any thread (the worker, device threads); the emitter lives on the GUI thread.
#pragma once
#include <QObject>
#include <QPointer>
#include <memory>
#include <mutex>
#include <spdlog/sinks/base_sink.h>

namespace drf::ui {

class LogEmitter : public QObject {
  Q_OBJECT
 Q_SIGNALS:
  void record(int level, const QString& logger, const QString& message);
};

class QtLogSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit QtLogSink(LogEmitter* emitter) : emitter_(emitter) {}
  // The logger registry keeps sinks for the life of the process; a window that goes away
  // detaches its emitter so later records are dropped instead of reaching a dead object.
  void detach();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  QPointer<LogEmitter> emitter_;
};

// Creates a sink for `emitter` and adds it to every drf logger.
std::shared_ptr<QtLogSink> attachLogSink(LogEmitter* emitter);

}  // namespace drf::ui
