// The images already in the output folder, as history entries: what makes the History tab
// survive a restart, and shows images from earlier runs or other apps (A1111 infotext) with
// settings that can be restored. Only top-level PNG/TIFF/EXR/PPM files whose metadata holds
// settings are taken (comparison folders and plain pictures are skipped).
#pragma once
#include <QDateTime>
#include <QList>
#include <QString>

#include "ui/job_types.h"

namespace drf::ui {

struct GalleryImage {
  QString path;
  QDateTime time;  // the file's modification time
  OutcomePtr outcome;
};

// The newest `limit` restorable images of `folder`, oldest first (the order the history adds
// them in). A missing or unreadable folder gives an empty list; unreadable files are skipped.
QList<GalleryImage> scanOutputFolder(const QString& folder, int limit);

}  // namespace drf::ui
