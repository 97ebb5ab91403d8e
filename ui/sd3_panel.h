// SD3 / SD3.5's own settings, shown only for SD3-family models: T5-XXL on or off (off: its
// context rows are zeros, as diffusers' pipeline without text_encoder_3; the job then says so),
// the shift of the flow-matching sigmas (0 = the model's scheduler config) and where T5 runs
// (with the model, on the CPU while the transformer uses the GPU, or another GPU).
// GenerationSettings::use_t5, flow_shift, t5_device; settings JSON and infotext ("T5", "Shift",
// "T5 device").
#pragma once
#include <QWidget>

#include "core/engine/engine.h"
#include "core/engine/settings.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;

namespace drf::ui {

class Sd3Panel : public QWidget {
  Q_OBJECT
 public:
  explicit Sd3Panel(QWidget* parent = nullptr);

  static bool isSd3Family(const QString& familyId);
  // Offers "GPU n" for every CUDA device besides "with the model" and "CPU".
  void setDevices(const std::vector<DeviceInfo>& devices);
  void apply(GenerationSettings& s) const;
  void load(const GenerationSettings& s);

 private:
  void setT5Device(const QString& device);  // adds a device that is not listed yet
  void updateEnabled();

  QCheckBox* use_t5_;
  QDoubleSpinBox* shift_;
  QComboBox* t5_device_;
};

}  // namespace drf::ui
