#include "ui/speed_baselines.h"

#include <QStringList>

namespace drf::ui {

QString SpeedBaselines::key(const GenerationSettings& s) {
  QStringList devices;
  for (int d : s.devices) devices << QString::number(d);
  return QStringLiteral("%1|%2x%3|%4|%5|%6|%7|%8")
      .arg(QString::fromStdString(s.model))
      .arg(s.image_width)
      .arg(s.image_height)
      .arg(s.steps)
      .arg(QString::fromLatin1(sampler_name(s.sampler)))
      .arg(s.guidance)
      .arg(devices.join(QLatin1Char(',')), QString::fromStdString(s.dtype));
}

void SpeedBaselines::record(const GenerationResult& r) {
  if (r.settings.mode != Mode::Sequential || r.stats.sampling_ms <= 0) return;
  sampling_ms_.insert(key(r.settings), r.stats.sampling_ms);
}

std::optional<double> SpeedBaselines::samplingMs(const GenerationSettings& settings) const {
  const auto it = sampling_ms_.constFind(key(settings));
  if (it == sampling_ms_.constEnd()) return std::nullopt;
  return *it;
}

}  // namespace drf::ui
