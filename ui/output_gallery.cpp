#include "ui/output_gallery.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <algorithm>

#include "core/util/log.h"
#include "ui/file_dialogs.h"
#include "ui/image_conversion.h"
#include "ui/settings_restore.h"

namespace drf::ui {

QList<GalleryImage> scanOutputFolder(const QString& folder, int limit) {
  QList<GalleryImage> images;
  if (folder.isEmpty() || limit <= 0 || isSpecialFileSystemPath(folder)) return images;
  const QDir dir(folder);
  const QFileInfoList files =
      dir.entryInfoList({QStringLiteral("*.png"), QStringLiteral("*.tif"), QStringLiteral("*.tiff"),
                         QStringLiteral("*.exr"), QStringLiteral("*.ppm")},
                        QDir::Files | QDir::Readable, QDir::Time);  // newest first
  int examined = 0;
  for (const QFileInfo& file : files) {
    // A folder full of other pictures must not stall the start: look at a bounded number.
    if (images.size() >= limit || ++examined > 4 * limit) break;
    try {
      const RestoredSettings restored = restoreFromImageFile(file.filePath());
      QImageReader reader(file.filePath());
      QImage image = reader.read();
      if (image.isNull()) continue;  // a format Qt cannot show (EXR without a plugin)
      image = image.convertToFormat(QImage::Format_RGB888);
      auto outcome = std::make_shared<GenerationOutcome>();
      outcome->result.settings = restored.settings;
      outcome->result.model_name = restored.has_model ? restored.settings.model : std::string();
      outcome->result.image = toRgbImage(image);  // so "Save as..." can write it again
      outcome->image = image;
      outcome->saved_path = file.filePath();
      images.append({file.filePath(), file.lastModified(), outcome});
    } catch (const std::exception& e) {
      logger("ui")->debug("not in the gallery: {}: {}", file.filePath().toStdString(), e.what());
    }
  }
  std::reverse(images.begin(), images.end());
  return images;
}

}  // namespace drf::ui
