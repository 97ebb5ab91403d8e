#include "ui/parallelism_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/sampling/draft_plan.h"
#include "core/sampling/fidelity_table.h"
#include "ui/device_model.h"

namespace drf::ui {

ParallelismPanel::ParallelismPanel(QWidget* parent)
    : QWidget(parent),
      devices_(new DeviceModel(this)),
      device_view_(new QListView),
      refresh_(new QToolButton),
      width_(new QSpinBox),
      warmup_(new QSpinBox),
      draft_memory_(new QSpinBox),
      mode_(new QComboBox),
      explanation_(new QLabel),
      speedup_(new QLabel),
      gain_note_(new QLabel),
      fidelity_(new QLabel) {
  device_view_->setObjectName(QStringLiteral("deviceList"));
  width_->setObjectName(QStringLiteral("widthSpin"));
  warmup_->setObjectName(QStringLiteral("warmupSpin"));
  draft_memory_->setObjectName(QStringLiteral("draftMemorySpin"));
  mode_->setObjectName(QStringLiteral("modeCombo"));
  explanation_->setObjectName(QStringLiteral("modeExplanation"));
  speedup_->setObjectName(QStringLiteral("theoreticalSpeedup"));
  gain_note_->setObjectName(QStringLiteral("gainNote"));
  gain_note_->setWordWrap(true);
  gain_note_->setStyleSheet(QStringLiteral("color: #8a5a00;"));
  fidelity_->setObjectName(QStringLiteral("fidelityNote"));
  fidelity_->setWordWrap(true);
  fidelity_->setToolTip(tr("Mean PSNR of DRiffusion's image against the same sampler's sequential image, measured on "
                           "the built-in model (docs/samplers.md). Below 20 dB the images differ visibly."));
  device_view_->setModel(devices_);
  device_view_->setMaximumHeight(76);
  device_view_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  device_view_->setTextElideMode(Qt::ElideRight);
  refresh_->setText(tr("Refresh"));
  refresh_->setToolTip(tr("Detect devices and free memory again"));
  width_->setRange(1, 64);
  width_->setToolTip(tr("Drafts evaluated per round (n). Drafts are spread over the checked devices and "
                        "batched on each one, so n may exceed the number of devices."));
  warmup_->setRange(GenerationSettings::kAutoWarmup, 1000);  // validate_settings() caps it at the steps
  warmup_->setSpecialValueText(tr("Auto"));  // shown for kAutoWarmup
  warmup_->setValue(GenerationSettings::kAutoWarmup);
  warmup_->setToolTip(tr("The first steps run one per network latency, with exact estimates, before drafting "
                         "starts: drafts made from the noisiest states drift the most. Each warm-up step costs "
                         "one latency at most. Auto: 4 for samplers that add noise (LCM: 0), 0 for the others (one "
                         "step still brings their images several dB closer to sequential; docs/fidelity.md)."));
  draft_memory_->setRange(0, 1024 * 1024);  // the range validate_settings() accepts
  draft_memory_->setSingleStep(64);
  draft_memory_->setSuffix(tr(" MB"));
  draft_memory_->setSpecialValueText(tr("no limit"));  // shown for 0
  draft_memory_->setValue(GenerationSettings::kDefaultDraftMemoryMb);
  draft_memory_->setToolTip(tr("Memory each device (a GPU, or the CPU's RAM) may spend on a round's drafts beyond "
                               "what one draft needs. "
                               "Drafts that do not fit are evaluated in further network calls of the round: "
                               "more drafts per call is faster on one GPU but needs more memory. "
                               "256 MB keeps up to 3 SD 1.5 drafts (2 of SD 2.1) in one call; "
                               "0 = no limit (one call per round, most memory)."));
  mode_->addItem(tr("Sequential"), static_cast<int>(Mode::Sequential));
  mode_->addItem(tr("Conservative"), static_cast<int>(Mode::Conservative));
  mode_->addItem(tr("Aggressive"), static_cast<int>(Mode::Aggressive));
  mode_->setCurrentIndex(2);  // until the devices are known (followDevices)
  mode_->setToolTip(tr("Sequential: the reference sampler. Conservative and Aggressive evaluate n drafts per round "
                       "in parallel; they gain only where the drafts really run in parallel (GPUs)."));
  explanation_->setWordWrap(true);
  speedup_->setWordWrap(true);
  QFont small = explanation_->font();
  small.setPointSizeF(small.pointSizeF() * 0.92);
  explanation_->setFont(small);

  auto* deviceRow = new QHBoxLayout;
  deviceRow->addWidget(device_view_, 1);
  deviceRow->addWidget(refresh_, 0, Qt::AlignTop);
  auto* form = new QFormLayout;
  form->setContentsMargins(0, 0, 0, 0);
  form->addRow(tr("Mode"), mode_);
  form->addRow(tr("Width n"), width_);
  form->addRow(tr("Warm-up steps"), warmup_);
  form->addRow(tr("Draft memory"), draft_memory_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(deviceRow);
  layout->addLayout(form);
  layout->addWidget(explanation_);
  layout->addWidget(speedup_);
  layout->addWidget(gain_note_);
  layout->addWidget(fidelity_);

  connect(refresh_, &QToolButton::clicked, this, &ParallelismPanel::refreshRequested);
  connect(devices_, &DeviceModel::checkedChanged, this, &ParallelismPanel::followDevices);
  connect(width_, &QSpinBox::valueChanged, this, [this] {
    if (!setting_width_) width_follows_devices_ = false;
    updateExplanation();
  });
  connect(warmup_, &QSpinBox::valueChanged, this, &ParallelismPanel::updateExplanation);
  connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
    if (!setting_mode_) mode_follows_devices_ = false;
    updateExplanation();
  });
  updateExplanation();
}

void ParallelismPanel::setDevices(const std::vector<DeviceInfo>& devices) { devices_->setDevices(devices); }

void ParallelismPanel::setSteps(int steps) {
  steps_ = steps;
  updateExplanation();
}

void ParallelismPanel::setSampling(SamplerKind sampler, double guidance) {
  sampler_ = sampler;
  guidance_ = guidance;
  updateExplanation();
}

void ParallelismPanel::setConsistencyModel(bool consistency_distilled) {
  fidelity_model_ = consistency_distilled ? FidelityModel::LcmDistilled : FidelityModel::Builtin;
  updateExplanation();
}

QString ParallelismPanel::fidelityNote() const { return fidelity_->isVisibleTo(this) ? fidelity_->text() : QString(); }

Mode ParallelismPanel::mode() const { return static_cast<Mode>(mode_->currentData().toInt()); }
int ParallelismPanel::width() const { return width_->value(); }
int ParallelismPanel::warmupSteps() const { return warmup_->value(); }
int ParallelismPanel::draftMemoryMb() const { return draft_memory_->value(); }

void ParallelismPanel::apply(GenerationSettings& s) const {
  s.mode = mode();
  s.width = s.mode == Mode::Sequential ? 1 : width();
  s.warmup_steps = warmupSteps();  // kept for a sequential run too, like the width's spin box
  s.devices = devices_->checkedCudaDevices();
  s.draft_memory_mb = draftMemoryMb();  // written even where unused, so the session keeps it
}

void ParallelismPanel::load(const GenerationSettings& s) {
  mode_->setCurrentIndex(std::max(0, mode_->findData(static_cast<int>(s.mode))));
  mode_follows_devices_ = false;  // restored settings are a choice
  devices_->setCheckedCudaDevices(s.devices);
  draft_memory_->setValue(s.draft_memory_mb);
  warmup_->setValue(s.warmup_steps);
  if (s.mode != Mode::Sequential) {
    width_->setValue(s.width);  // a user choice: stop following the device count
    width_follows_devices_ = false;
  }
}

int ParallelismPanel::defaultWidth(int cuda_devices) {
  // One draft per GPU; on a single GPU the drafts of a round are batched, and width 3 is the
  // measured sweet spot (SD 1.5 on one H200: 1.3-1.4x, most of the gain of width 8 at far less
  // drift; docs/benchmarks.md). On the CPU batching buys nothing: width 1.
  if (cuda_devices >= 2) return cuda_devices;
  return cuda_devices == 1 ? 3 : 1;
}

Mode ParallelismPanel::defaultMode(int cuda_devices) {
  // On the CPU a round's drafts are evaluated one after another (or batched, which the CPU does
  // not do faster): measured 0.67-1.03x of sequential on 2 cores, so the default is the exact
  // sampler. On GPUs, Aggressive (docs/benchmarks.md).
  return cuda_devices == 0 ? Mode::Sequential : Mode::Aggressive;
}

QString ParallelismPanel::gainNote() const { return gain_note_->isVisibleTo(this) ? gain_note_->text() : QString(); }

void ParallelismPanel::followDevices() {
  if (mode_follows_devices_ && devices_->rowCount() > 0) {
    setting_mode_ = true;
    mode_->setCurrentIndex(mode_->findData(static_cast<int>(defaultMode(static_cast<int>(devices_->checkedCudaDevices().size())))));
    setting_mode_ = false;
  }
  if (width_follows_devices_) {
    setting_width_ = true;
    width_->setValue(defaultWidth(static_cast<int>(devices_->checkedCudaDevices().size())));
    setting_width_ = false;
  }
  updateExplanation();  // the draft memory control depends on the checked devices too
}

QString ParallelismPanel::explanation(Mode mode) {
  switch (mode) {
    case Mode::Sequential:
      return tr("One network call per step: the exact reference sampler.");
    case Mode::Conservative:
      return tr("Exact noise at each anchor plus n drafts per round: ideal latency 2/(n+1), closest to sequential.");
    case Mode::Aggressive:
      return tr("The next anchor's noise comes from its draft: ideal latency 1/n, fastest; quality may drop at few steps.");
  }
  return {};
}

QString ParallelismPanel::speedupText() const { return speedup_->text(); }

void ParallelismPanel::updateExplanation() {
  const Mode m = mode();
  width_->setEnabled(m != Mode::Sequential);
  warmup_->setEnabled(m != Mode::Sequential);
  // The budget bounds the memory of a round's drafts on whatever device runs them (the engine
  // splits CPU rounds by it too); the sequential sampler has no drafts.
  draft_memory_->setEnabled(m != Mode::Sequential);
  explanation_->setText(explanation(m));
  const bool cpuOnly = devices_->rowCount() > 0 && devices_->checkedCudaDevices().empty();
  gain_note_->setText(tr("On the CPU the drafts of a round run one after another: DRiffusion is not faster than "
                         "the sequential sampler here (0.67-1.03\u00d7 measured on 2 cores). Use it to check quality; "
                         "the speedup needs GPUs."));
  gain_note_->setVisible(cpuOnly && m != Mode::Sequential);
  // Before the run: what the fidelity table measured for this sampler, mode, width and guidance.
  GenerationSettings plan_settings;  // what auto warm-up resolves to for this solver and step count
  plan_settings.steps = steps_;
  plan_settings.sampler = sampler_;
  plan_settings.warmup_steps = warmupSteps();
  const int warmup = effective_warmup(plan_settings);
  const auto measured = measured_fidelity_for(sampler_, m, width(), warmup, guidance_, fidelity_model_);
  const bool lcm_model = fidelity_table_for(sampler_, fidelity_model_) == FidelityModel::LcmDistilled;
  fidelity_warns_ = measured && measured->mean_psnr_db < kFidelityWarnBelowDb;
  if (measured) {
    const QString psnr = QString::number(measured->mean_psnr_db, 'f', 1);
    const QString where = tr("measured at width %1, %2 warm-up steps, guidance %3 on the %4")
                              .arg(measured->width)
                              .arg(measured->warmup_steps)
                              .arg(measured->guidance, 0, 'f', 0)
                              .arg(lcm_model ? tr("LCM-distilled built-in model") : tr("built-in model"));
    fidelity_->setText(fidelity_warns_ ? tr("\u26a0 Quality drops with this sampler, mode and width: %1 dB PSNR against "
                                            "the sequential image (%2).")
                                             .arg(psnr, where)
                                       : tr("Measured fidelity: %1 dB PSNR against the sequential image (%2).").arg(psnr, where));
    fidelity_->setStyleSheet(fidelity_warns_ ? QStringLiteral("color: #b00020;") : QString());
  }
  fidelity_->setVisible(measured.has_value());
  try {
    const DraftPlan plan = plan_draft_refine(steps_, width(), m, warmup);
    const QString warm = plan.warmup == 0   ? QString()
                         : plan.warmup == 1 ? tr(" (1 warm-up step)")
                                            : tr(" (%1 warm-up steps)").arg(plan.warmup);
    speedup_->setText(tr("Theoretical: %1 serial network latencies instead of %2, %3\u00d7 faster%4")
                          .arg(plan.serial_latencies())
                          .arg(steps_)
                          .arg(plan.theoretical_speedup(), 0, 'f', 2)
                          .arg(warm));
    speedup_->setStyleSheet(QString());
  } catch (const std::exception& e) {
    speedup_->setText(QString::fromStdString(e.what()));
    speedup_->setStyleSheet(QStringLiteral("color: #b00020;"));
  }
}

}  // namespace drf::ui
