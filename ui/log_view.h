// The log dock: spdlog records from every layer (core, gpu, ui), newest at the bottom.
#pragma once
#include <QPlainTextEdit>
#include <memory>

namespace drf::ui {

class LogEmitter;
class QtLogSink;

class LogView : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit LogView(QWidget* parent = nullptr);
  ~LogView() override;

  void appendRecord(int level, const QString& logger, const QString& message);

 private:
  LogEmitter* emitter_;
  std::shared_ptr<QtLogSink> sink_;
};

}  // namespace drf::ui
