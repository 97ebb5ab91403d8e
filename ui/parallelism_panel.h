// Where and how wide DRiffusion runs: device check boxes, the parallel width n (following the
// number of checked devices until the user sets it), the mode with a one-line explanation,
// the warm-up steps (Auto: the solver's default), the draft memory budget per GPU, and the theoretical speedup of the current steps, width and
// mode from the draft planner, and the measured fidelity of the sampler, mode, width and guidance
// where the sampling helper's table has them (core/sampling/fidelity_table.h).
#pragma once
#include <QWidget>

#include "core/engine/engine.h"
#include "core/engine/settings.h"
#include "core/sampling/fidelity_table.h"

class QComboBox;
class QLabel;
class QListView;
class QSpinBox;
class QToolButton;

namespace drf::ui {

class DeviceModel;

class ParallelismPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ParallelismPanel(QWidget* parent = nullptr);

  void setDevices(const std::vector<DeviceInfo>& devices);
  void setSteps(int steps);
  // The sampler and guidance the next job uses: the measured fidelity depends on them.
  void setSampling(SamplerKind sampler, double guidance);
  // The selected model is LCM-distilled: the LCM sampler's fidelity note reads the numbers measured on one.
  void setConsistencyModel(bool consistency_distilled);
  void apply(GenerationSettings& s) const;  // mode, width, warm-up, devices, draft memory
  void load(const GenerationSettings& s);

  Mode mode() const;
  int width() const;
  int warmupSteps() const;  // GenerationSettings::kAutoWarmup for Auto
  int draftMemoryMb() const;
  DeviceModel* deviceModel() const { return devices_; }
  QString speedupText() const;
  static QString explanation(Mode mode);
  // The width proposed for this many checked CUDA devices (0 = CPU) until the user picks one.
  static int defaultWidth(int cuda_devices);
  // The mode proposed for the checked devices until the user picks one: Sequential on the CPU
  // (where drafts cannot run in parallel), Aggressive on GPUs.
  static Mode defaultMode(int cuda_devices);
  QString gainNote() const;  // why the checked devices cannot gain from drafts; empty when they can
  // The measured PSNR of this combination against sequential, shown before the run; empty when it
  // was not measured (or the mode is sequential). fidelityWarns(): below kFidelityWarnBelowDb.
  QString fidelityNote() const;
  bool fidelityWarns() const { return fidelity_warns_; }

 Q_SIGNALS:
  void refreshRequested();

 private:
  void followDevices();
  void updateExplanation();

  DeviceModel* devices_;
  QListView* device_view_;
  QToolButton* refresh_;
  QSpinBox* width_;
  QSpinBox* warmup_;
  QSpinBox* draft_memory_;
  QComboBox* mode_;
  QLabel* explanation_;
  QLabel* speedup_;
  QLabel* gain_note_;
  QLabel* fidelity_;
  int steps_ = 25;
  SamplerKind sampler_ = SamplerKind::DDIM;
  double guidance_ = 5.0;
  FidelityModel fidelity_model_ = FidelityModel::Builtin;
  bool fidelity_warns_ = false;
  bool width_follows_devices_ = true;
  bool setting_width_ = false;
  bool mode_follows_devices_ = true;
  bool setting_mode_ = false;
};

}  // namespace drf::ui
