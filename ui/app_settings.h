// What persists between sessions (QSettings): window geometry and dock layout, the model list
// and selection, the output folder, recent prompts and the last generation parameters.
#pragma once
#include <QByteArray>
#include <QSettings>
#include <QStringList>
#include <memory>
#include <optional>

#include "core/engine/settings.h"

namespace drf::ui {

class AppSettings {
 public:
  // iniPath empty: the user's native settings store (organization/application names).
  explicit AppSettings(const QString& iniPath = QString());

  QByteArray windowGeometry() const;
  QByteArray windowState() const;
  void setWindowLayout(const QByteArray& geometry, const QByteArray& state);

  QStringList userModels() const;
  void setUserModels(const QStringList& paths);
  QString currentModel() const;  // empty when never chosen
  void setCurrentModel(const QString& source);

  QString outputFolder() const;  // defaults to <Pictures>/DRiffusion
  void setOutputFolder(const QString& folder);

  QStringList recentPrompts() const;
  void setRecentPrompts(const QStringList& prompts);

  std::optional<GenerationSettings> lastParameters() const;  // nullopt when absent or unreadable
  void setLastParameters(const GenerationSettings& s);
  bool randomSeed() const;
  void setRandomSeed(bool random);
  int compareSeeds() const;
  void setCompareSeeds(int seeds);
  bool saveUpscaledCopies() const;  // small images also saved enlarged for viewing (default on)
  void setSaveUpscaledCopies(bool on);

  void sync();

 private:
  std::unique_ptr<QSettings> store_;
};

}  // namespace drf::ui
