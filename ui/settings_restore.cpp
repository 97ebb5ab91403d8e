#include "ui/settings_restore.h"

#include <QCoreApplication>

#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/util/errors.h"

namespace drf::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("SettingsRestore", text); }

}  // namespace

RestoredSettings restoreFromMetadata(const ImageMetadata& metadata) {
  RestoredSettings out;
  QString json_problem;
  if (!metadata.settings_json.empty()) {
    try {
      const RunRecord record = run_record_from_json(metadata.settings_json);
      out.settings = record.settings;
      out.has_model = !record.settings.model.empty();
      out.origin = tr("DRiffusion settings");
      return out;
    } catch (const Error& e) {
      // Fall back to the infotext, which other tools keep even when they drop our JSON.
      json_problem = QString::fromStdString(e.what());
    }
  }
  if (metadata.parameters.empty()) {
    if (!json_problem.isEmpty()) throw InputError("its settings cannot be read: " + json_problem.toStdString());
    throw InputError("it holds no generation parameters (no \"parameters\" or \"driffusion-settings\" text)");
  }
  const InfotextParams p = parse_infotext(metadata.parameters);
  out.settings = p.settings;
  out.origin = tr("infotext parameters");
  if (!json_problem.isEmpty()) out.notes << tr("settings JSON ignored: %1").arg(json_problem);
  if (!p.has_parameters_line) out.notes << tr("no parameters line: only the prompt was restored");
  if (!p.model_name.empty())
    out.notes << tr("made with model \u201c%1\u201d; keeping the selected model").arg(QString::fromStdString(p.model_name));
  for (const std::string& w : p.warnings) out.notes << QString::fromStdString(w);
  return out;
}

RestoredSettings restoreFromImageFile(const QString& path) {
  try {
    return restoreFromMetadata(read_image_metadata(std::filesystem::path(path.toStdU16String())));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Input && QString::fromStdString(e.what()).contains(path)) throw;
    throw InputError(path.toStdString() + ": " + e.what());
  }
}

}  // namespace drf::ui
