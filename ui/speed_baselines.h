// Sequential sampling times seen in this session, so a DRiffusion run can show a measured
// speedup: the sequential time of the same model, size, steps, sampler, guidance and devices
// divided by its own sampling time. Seeds, prompts, mode and width do not change the cost.
#pragma once
#include <QHash>
#include <QString>
#include <optional>

#include "core/engine/result.h"

namespace drf::ui {

class SpeedBaselines {
 public:
  void record(const GenerationResult& sequentialResult);  // ignores non-sequential results
  std::optional<double> samplingMs(const GenerationSettings& settings) const;

 private:
  static QString key(const GenerationSettings& s);
  QHash<QString, double> sampling_ms_;
};

}  // namespace drf::ui
