// Restoring generation parameters from an image file: the complete settings JSON this app
// writes, or else AUTOMATIC1111-style "parameters" infotext from any tool.
#pragma once
#include <QString>
#include <QStringList>

#include "core/engine/settings.h"
#include "core/image/image_file.h"

namespace drf::ui {

struct RestoredSettings {
  GenerationSettings settings;
  bool has_model = false;  // false: the text names a model but not its file; keep the current one
  QString origin;          // "DRiffusion settings" or "infotext parameters"
  QStringList notes;       // what could not be restored, unsupported sampler, model named, ...
};

// Throws InputError when the metadata holds neither settings JSON nor infotext.
RestoredSettings restoreFromMetadata(const ImageMetadata& metadata);
// Reads the file's metadata first (InputError when unreadable).
RestoredSettings restoreFromImageFile(const QString& path);

}  // namespace drf::ui
