#include "ui/app_settings.h"

#include <QDir>
#include <QStandardPaths>

#include "core/image/settings_json.h"
#include "core/util/log.h"

namespace drf::ui {

AppSettings::AppSettings(const QString& iniPath)
    : store_(iniPath.isEmpty() ? std::make_unique<QSettings>() : std::make_unique<QSettings>(iniPath, QSettings::IniFormat)) {}

QByteArray AppSettings::windowGeometry() const { return store_->value(QStringLiteral("window/geometry")).toByteArray(); }
QByteArray AppSettings::windowState() const { return store_->value(QStringLiteral("window/state")).toByteArray(); }

void AppSettings::setWindowLayout(const QByteArray& geometry, const QByteArray& state) {
  store_->setValue(QStringLiteral("window/geometry"), geometry);
  store_->setValue(QStringLiteral("window/state"), state);
}

QStringList AppSettings::userModels() const { return store_->value(QStringLiteral("models/user")).toStringList(); }
void AppSettings::setUserModels(const QStringList& paths) { store_->setValue(QStringLiteral("models/user"), paths); }
QString AppSettings::currentModel() const { return store_->value(QStringLiteral("models/current")).toString(); }
void AppSettings::setCurrentModel(const QString& source) { store_->setValue(QStringLiteral("models/current"), source); }

QString AppSettings::outputFolder() const {
  QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
  if (pictures.isEmpty()) pictures = QDir::homePath();
  return store_->value(QStringLiteral("output/folder"), QDir(pictures).filePath(QStringLiteral("DRiffusion"))).toString();
}
void AppSettings::setOutputFolder(const QString& folder) { store_->setValue(QStringLiteral("output/folder"), folder); }

QStringList AppSettings::recentPrompts() const { return store_->value(QStringLiteral("prompts/recent")).toStringList(); }
void AppSettings::setRecentPrompts(const QStringList& prompts) { store_->setValue(QStringLiteral("prompts/recent"), prompts); }

std::optional<GenerationSettings> AppSettings::lastParameters() const {
  const QString json = store_->value(QStringLiteral("parameters/last")).toString();
  if (json.isEmpty()) return std::nullopt;
  try {
    return settings_from_json(json.toStdString());
  } catch (const std::exception& e) {
    // A settings file from a newer version or edited by hand: start from defaults.
    logger("ui")->warn("ignoring the saved parameters: {}", e.what());
    return std::nullopt;
  }
}

void AppSettings::setLastParameters(const GenerationSettings& s) {
  store_->setValue(QStringLiteral("parameters/last"), QString::fromStdString(settings_to_json(s)));
}

bool AppSettings::randomSeed() const { return store_->value(QStringLiteral("parameters/randomSeed"), true).toBool(); }
void AppSettings::setRandomSeed(bool random) { store_->setValue(QStringLiteral("parameters/randomSeed"), random); }
int AppSettings::compareSeeds() const { return store_->value(QStringLiteral("compare/seeds"), 1).toInt(); }
void AppSettings::setCompareSeeds(int seeds) { store_->setValue(QStringLiteral("compare/seeds"), seeds); }
bool AppSettings::saveUpscaledCopies() const {
  return store_->value(QStringLiteral("output/saveUpscaledCopies"), true).toBool();
}
void AppSettings::setSaveUpscaledCopies(bool on) { store_->setValue(QStringLiteral("output/saveUpscaledCopies"), on); }

void AppSettings::sync() { store_->sync(); }

}  // namespace drf::ui
