#include "ui/sampling_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

#include "core/engine/consistency_defaults.h"
#include "core/models/model_families.h"
#include "core/sampling/sampler_registry.h"
#include "ui/seed_editor.h"
#include "ui/size_preset_box.h"
#include "ui/size_spin_box.h"

namespace drf::ui {

SamplingPanel::SamplingPanel(QWidget* parent)
    : QWidget(parent),
      seed_(new SeedEditor),
      steps_(new QSpinBox),
      guidance_(new QDoubleSpinBox),
      sampler_(new QComboBox),
      schedule_(new QComboBox),
      eta_(new QDoubleSpinBox),
      s_noise_(new QDoubleSpinBox),
      native_size_(new QCheckBox(tr("Native"))),
      image_width_(new SizeSpinBox),
      image_height_(new SizeSpinBox),
      presets_(new SizePresetBox) {
  steps_->setObjectName(QStringLiteral("stepsSpin"));
  guidance_->setObjectName(QStringLiteral("guidanceSpin"));
  sampler_->setObjectName(QStringLiteral("samplerCombo"));
  schedule_->setObjectName(QStringLiteral("scheduleCombo"));
  eta_->setObjectName(QStringLiteral("etaSpin"));
  s_noise_->setObjectName(QStringLiteral("sNoiseSpin"));
  native_size_->setObjectName(QStringLiteral("nativeSizeCheck"));
  image_width_->setObjectName(QStringLiteral("imageWidthSpin"));
  image_height_->setObjectName(QStringLiteral("imageHeightSpin"));

  steps_->setRange(1, 1000);
  steps_->setValue(25);
  steps_->setToolTip(tr("Denoising steps: more is slower and usually cleaner; DRiffusion runs them in fewer serial rounds"));
  sampler_->setToolTip(tr("The sampler that turns the network's noise estimates into the next state"));
  guidance_->setRange(0.0, 50.0);
  guidance_->setSingleStep(0.5);
  guidance_->setDecimals(1);
  guidance_->setValue(5.0);
  guidance_->setToolTip(tr("Classifier-free guidance scale (1 = no guidance)"));
  for (const SamplerInfo& info : sampler_registry()) {
    sampler_->addItem(QString::fromLatin1(info.display_name), static_cast<int>(info.kind));
    sampler_->setItemData(sampler_->count() - 1, QString::fromLatin1(info.summary), Qt::ToolTipRole);
  }
  for (const ScheduleInfo& info : schedule_registry()) {
    schedule_->addItem(QString::fromLatin1(info.display_name), static_cast<int>(info.kind));
    schedule_->setItemData(schedule_->count() - 1, QString::fromLatin1(info.summary), Qt::ToolTipRole);
  }
  schedule_->setToolTip(tr("Where the noise levels of the steps sit"));
  eta_->setRange(0.0, 1.0);
  eta_->setSingleStep(0.1);
  eta_->setDecimals(2);
  eta_->setToolTip(tr("DDIM eta: 0 is deterministic, 1 adds DDPM-like noise"));
  s_noise_->setRange(0.0, 2.0);
  s_noise_->setSingleStep(0.05);
  s_noise_->setDecimals(3);
  s_noise_->setValue(1.0);
  s_noise_->setToolTip(tr("Scale of the noise an ancestral or SDE sampler adds each step"));
  for (QSpinBox* box : {image_width_, image_height_}) box->setValue(512);  // range and step: SizeSpinBox
  native_size_->setChecked(true);

  auto* size = new QHBoxLayout;
  size->addWidget(image_width_);
  size->addWidget(new QLabel(QStringLiteral("\u00d7")));
  size->addWidget(image_height_);
  size->addWidget(native_size_);
  auto* form = new QFormLayout(this);
  form->setContentsMargins(0, 0, 0, 0);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Guidance"), guidance_);
  form->addRow(tr("Sampler"), sampler_);
  form->addRow(tr("Schedule"), schedule_);
  form->addRow(tr("Eta"), eta_);
  form->addRow(tr("Noise scale"), s_noise_);
  form->addRow(tr("Size"), size);
  form->addRow(tr("Preset"), presets_);
  form_ = form;

  connect(steps_, &QSpinBox::valueChanged, this, &SamplingPanel::stepsChanged);
  connect(sampler_, &QComboBox::currentIndexChanged, this, &SamplingPanel::updateSamplerOptions);
  connect(sampler_, &QComboBox::currentIndexChanged, this, [this] { Q_EMIT samplingChanged(sampler(), guidance()); });
  connect(guidance_, &QDoubleSpinBox::valueChanged, this, [this] { Q_EMIT samplingChanged(sampler(), guidance()); });
  connect(native_size_, &QCheckBox::toggled, this, &SamplingPanel::updateSizeEnabled);
  connect(image_width_, &QSpinBox::valueChanged, this, [this](int v) {
    if (image_width_->isEnabled()) custom_width_ = v;
  });
  connect(image_height_, &QSpinBox::valueChanged, this, [this](int v) {
    if (image_height_->isEnabled()) custom_height_ = v;
  });
  for (QSpinBox* box : {image_width_, image_height_})
    connect(box, &QSpinBox::valueChanged, this, [this] {
      presets_->showSize(image_width_->value(), image_height_->value());
      Q_EMIT imageSizeChanged(image_width_->value(), image_height_->value());
    });
  connect(presets_, &SizePresetBox::presetChosen, this, &SamplingPanel::choosePreset);
  form_->setRowVisible(presets_, false);  // until a model with presets is described
  updateSizeEnabled();
  updateSamplerOptions();
}

void SamplingPanel::updateSamplerOptions() {
  const SamplerInfo& info = sampler_info(static_cast<SamplerKind>(sampler_->currentData().toInt()));
  eta_->setEnabled(info.takes_eta);
  s_noise_->setEnabled(info.takes_s_noise);
}

int SamplingPanel::steps() const { return steps_->value(); }
SamplerKind SamplingPanel::sampler() const { return static_cast<SamplerKind>(sampler_->currentData().toInt()); }
double SamplingPanel::guidance() const { return guidance_->value(); }

void SamplingPanel::apply(GenerationSettings& s) {
  s.seed = seed_->seedForNextRun();
  s.steps = steps_->value();
  s.guidance = guidance_->value();
  s.sampler = static_cast<SamplerKind>(sampler_->currentData().toInt());
  s.schedule = static_cast<ScheduleKind>(schedule_->currentData().toInt());
  s.karras_sigmas = false;  // the schedule field says it now
  s.eta = eta_->isEnabled() ? eta_->value() : 0.0;
  s.s_noise = s_noise_->value();
  const bool custom = !size_fixed_ && !native_size_->isChecked();
  s.image_width = custom ? image_width_->value() : 0;
  s.image_height = custom ? image_height_->value() : 0;
}

void SamplingPanel::load(const GenerationSettings& s) {
  seed_->setSeed(s.seed);
  seed_->setRandom(false);  // restored settings mean "this exact image"
  steps_->setValue(s.steps);
  guidance_->setValue(s.guidance);
  sampler_->setCurrentIndex(std::max(0, sampler_->findData(static_cast<int>(s.sampler))));
  schedule_->setCurrentIndex(std::max(0, schedule_->findData(static_cast<int>(effective_schedule(s)))));
  eta_->setValue(s.eta);
  s_noise_->setValue(s.s_noise);
  updateSamplerOptions();
  native_size_->setChecked(s.image_width == 0 && s.image_height == 0);
  if (s.image_width) custom_width_ = s.image_width;
  if (s.image_height) custom_height_ = s.image_height;
  showSize();
}

void SamplingPanel::setModel(const ModelSummary& model) {
  // Pixel-space models here (analytic, the built-in emoji model) have one fixed size.
  size_fixed_ = model.pixel_space;
  native_width_ = model.native_width;
  native_height_ = model.native_height;
  const ModelFamily* family = family_of_architecture(model.architecture);
  presets_->setPresets(family && !size_fixed_ ? family->size_presets : std::vector<SizePreset>{}, native_width_,
                       native_height_);
  form_->setRowVisible(presets_, presets_->presetCount() > 0);
  native_size_->setToolTip(model.native_width > 0
                               ? tr("The model's own size: %1\u00d7%2").arg(model.native_width).arg(model.native_height)
                               : QString());
  updateSizeEnabled();
}

bool SamplingPanel::useConsistencySettings() {
  if (static_cast<SamplerKind>(sampler_->currentData().toInt()) == SamplerKind::LCM) return false;
  // Only these three controls: apply() + load() would also turn the random seed off.
  GenerationSettings s;
  apply_consistency_settings(s);
  sampler_->setCurrentIndex(std::max(0, sampler_->findData(static_cast<int>(s.sampler))));
  steps_->setValue(s.steps);
  guidance_->setValue(s.guidance);
  return true;
}

QSize SamplingPanel::shownSize() const { return {image_width_->value(), image_height_->value()}; }

void SamplingPanel::choosePreset(int width, int height) {
  // The model's own size is "Native" (the job then follows the model); any other is custom.
  custom_width_ = width;
  custom_height_ = height;
  const bool native = width == native_width_ && height == native_height_;
  if (native_size_->isChecked() != native) native_size_->setChecked(native);  // shows the size
  else showSize();
}

void SamplingPanel::updateSizeEnabled() {
  native_size_->setEnabled(!size_fixed_);
  showSize();
}

void SamplingPanel::showSize() {
  // The fields always show the size the next job gets: the selected model's own size unless a
  // custom size applies, never a size left over from another model.
  const bool editable = !size_fixed_ && !native_size_->isChecked();
  image_width_->setEnabled(false);  // no custom_* update while the fields are set here
  image_height_->setEnabled(false);
  const bool native = !editable && native_width_ > 0;
  image_width_->setValue(native ? native_width_ : custom_width_);
  image_height_->setValue(native ? native_height_ : custom_height_);
  image_width_->setEnabled(editable);
  image_height_->setEnabled(editable);
  presets_->setEnabled(!size_fixed_);
  presets_->showSize(image_width_->value(), image_height_->value());
}

}  // namespace drf::ui
