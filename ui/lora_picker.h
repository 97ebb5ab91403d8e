// The LoRAs merged into the model when it loads (GenerationSettings::loras, the settings JSON
// and the infotext's "LoRA" field): one line of "PATH[:STRENGTH]" entries separated by ';'
// (format_lora_list, core/engine/settings.h), an Add button that appends a file at strength 1,
// and a check as you type that names a bad entry. The analytic model has no weights: disabled.
#pragma once
#include <QWidget>

#include "core/engine/settings.h"

class QLineEdit;
class QToolButton;

namespace drf::ui {

class LoraPicker : public QWidget {
  Q_OBJECT
 public:
  explicit LoraPicker(QWidget* parent = nullptr);

  QString text() const;
  void setText(const QString& text);
  // What is wrong with the typed list ("" = nothing): Generate refuses to start with it.
  QString error() const { return error_; }
  void setModelTakesLora(bool takes);
  bool modelTakesLora() const { return takes_lora_; }
  // The typed list (nothing while it has an error: MainWindow::submit checks error() first).
  void apply(GenerationSettings& s) const;
  void load(const GenerationSettings& s);
  void addFile(const QString& path);

 private:
  void check();
  QLineEdit* edit_;
  QToolButton* add_;
  QString error_;
  bool takes_lora_ = true;
};

}  // namespace drf::ui
