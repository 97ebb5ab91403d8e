// Seed, steps, guidance scale, sampler (solver, schedule and the solver's own options, all from
// the sampler registry) and image size with the size presets of the model's family. The size is
// editable only for models that accept other sizes (latent-space models); pixel-space models
// show their native size.
#pragma once
#include <QWidget>

#include "core/engine/engine.h"
#include "core/engine/settings.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QSpinBox;

namespace drf::ui {

class SeedEditor;
class SizePresetBox;

class SamplingPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SamplingPanel(QWidget* parent = nullptr);

  // Writes seed (drawing a new random one when asked), steps, guidance, sampler, schedule,
  // the sampler's options and size.
  void apply(GenerationSettings& s);
  void load(const GenerationSettings& s);
  // Enables or fixes the size and offers the presets of the model's family (registry).
  void setModel(const ModelSummary& model);
  // An LCM-distilled model's settings (core/engine/consistency_defaults.h): the LCM sampler, 4
  // steps, CFG 1. Returns false and changes nothing when the LCM sampler is chosen already (a
  // restored LCM image keeps its own steps and CFG).
  bool useConsistencySettings();
  int steps() const;
  SamplerKind sampler() const;
  double guidance() const;
  SeedEditor* seedEditor() const { return seed_; }
  SizePresetBox* sizePresets() const { return presets_; }
  QSize shownSize() const;  // what the size fields show: the size the next image gets

 Q_SIGNALS:
  void stepsChanged(int steps);
  void samplingChanged(SamplerKind sampler, double guidance);  // the solver or the guidance changed
  void imageSizeChanged(int width, int height);  // the size the next image gets changed

 private:
  void updateSizeEnabled();
  void showSize();
  void updateSamplerOptions();  // shows only the options the selected solver takes
  void choosePreset(int width, int height);

  SeedEditor* seed_;
  QSpinBox* steps_;
  QDoubleSpinBox* guidance_;
  QComboBox* sampler_;
  QComboBox* schedule_;
  QDoubleSpinBox* eta_;
  QDoubleSpinBox* s_noise_;
  QCheckBox* native_size_;
  QSpinBox* image_width_;   // SizeSpinBox: the engine's size rule
  QSpinBox* image_height_;
  SizePresetBox* presets_;
  QFormLayout* form_ = nullptr;
  bool size_fixed_ = true;
  // The last size the user chose, kept while a fixed-size model shows its own size.
  int custom_width_ = 512, custom_height_ = 512;
  int native_width_ = 0, native_height_ = 0;  // of the selected model; 0 until it is described
};

}  // namespace drf::ui
