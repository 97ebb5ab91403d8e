// Model selector: the built-in model first, the analytic demo model, models the user added
// (a diffusers folder or a .safetensors file; the list is remembered), and random-weight
// architectures for speed tests. Shows what the engine reports about the selected model.
#pragma once
#include <QStringList>
#include <QWidget>

#include "core/engine/engine.h"

class QComboBox;
class QLabel;
class QToolButton;

namespace drf::ui {

class ModelPicker : public QWidget {
  Q_OBJECT
 public:
  static const QString kBuiltin;   // "builtin"
  static const QString kAnalytic;  // "analytic"
  explicit ModelPicker(QWidget* parent = nullptr);

  QString currentSource() const;
  void setCurrentSource(const QString& source);  // adds a file/folder that is not listed yet
  void addModel(const QString& path);            // adds (if new) and selects it
  QStringList userModels() const { return user_models_; }
  void setUserModels(const QStringList& paths);

  // What the engine said about a model: a summary, or why it cannot be loaded.
  void setModelReady(const QString& source, const ModelSummary& summary);
  void setModelFailed(const QString& source, const QString& message);
  QString statusText() const;

 Q_SIGNALS:
  void currentSourceChanged(const QString& source);
  void userModelsChanged(const QStringList& paths);

 private:
  void rebuild(const QString& select);
  void chooseFile();
  void chooseFolder();
  void removeCurrent();

  QComboBox* combo_;
  QToolButton* add_;
  QLabel* status_;
  QStringList user_models_;
};

}  // namespace drf::ui
