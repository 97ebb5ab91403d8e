// Conversions between the engine's RGB byte buffers and QImage.
#pragma once
#include <QImage>

#include "core/engine/events.h"

namespace drf::ui {

QImage toQImage(const RgbImage& image);  // deep copy; null QImage for an empty image
RgbImage toRgbImage(const QImage& image);

}  // namespace drf::ui
