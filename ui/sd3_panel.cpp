#include "ui/sd3_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSignalBlocker>

namespace drf::ui {

bool Sd3Panel::isSd3Family(const QString& familyId) { return familyId == QLatin1String("sd3"); }

Sd3Panel::Sd3Panel(QWidget* parent)
    : QWidget(parent), use_t5_(new QCheckBox(tr("T5-XXL text encoder"))), shift_(new QDoubleSpinBox), t5_device_(new QComboBox) {
  use_t5_->setObjectName(QStringLiteral("useT5Check"));
  shift_->setObjectName(QStringLiteral("flowShiftSpin"));
  t5_device_->setObjectName(QStringLiteral("t5DeviceCombo"));
  use_t5_->setChecked(true);
  use_t5_->setToolTip(tr("Encode the prompt with T5-XXL too (4.7 B parameters). Off: its tokens are zeros, as the "
                         "reference pipeline without text_encoder_3; faster and smaller, follows long prompts less"));
  // Same range as validate_settings; 0 stands for the model's own scheduler config.
  shift_->setRange(0.0, 100.0);
  shift_->setSingleStep(0.5);
  shift_->setDecimals(2);
  shift_->setSpecialValueText(tr("model's own"));
  shift_->setToolTip(tr("Shift of the flow-matching noise levels: larger spends more steps at high noise "
                        "(SD3's scheduler uses 3.0); \u201cmodel's own\u201d reads the model's scheduler config"));
  t5_device_->setToolTip(tr("Where T5 runs: with the model, or on the CPU (its 9.5 GB stay off the GPU while the "
                            "transformer runs, but a first image takes several seconds longer: about 7 s with 16 "
                            "CPU threads), or another GPU"));
  t5_device_->addItem(tr("With the model"), QString());
  t5_device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  auto* form = new QFormLayout(this);
  form->setContentsMargins(0, 0, 0, 0);
  form->addRow(tr("Text"), use_t5_);
  form->addRow(tr("T5 device"), t5_device_);
  form->addRow(tr("Shift"), shift_);
  connect(use_t5_, &QCheckBox::toggled, this, &Sd3Panel::updateEnabled);
  updateEnabled();
}

void Sd3Panel::updateEnabled() { t5_device_->setEnabled(use_t5_->isChecked()); }

void Sd3Panel::setDevices(const std::vector<DeviceInfo>& devices) {
  const QString selected = t5_device_->currentData().toString();
  {
    const QSignalBlocker block(t5_device_);
    while (t5_device_->count() > 2) t5_device_->removeItem(2);
    for (const DeviceInfo& d : devices)
      if (d.index >= 0)
        t5_device_->addItem(tr("GPU %1 (%2)").arg(d.index).arg(QString::fromStdString(d.name)),
                            QStringLiteral("cuda:%1").arg(d.index));
  }
  setT5Device(selected);
}

void Sd3Panel::setT5Device(const QString& device) {
  if (t5_device_->findData(device) < 0) t5_device_->addItem(device, device);  // a restored "cuda:3"
  t5_device_->setCurrentIndex(t5_device_->findData(device));
}

void Sd3Panel::apply(GenerationSettings& s) const {
  s.use_t5 = use_t5_->isChecked();
  s.flow_shift = shift_->value();
  s.t5_device = s.use_t5 ? t5_device_->currentData().toString().toStdString() : std::string();
}

void Sd3Panel::load(const GenerationSettings& s) {
  use_t5_->setChecked(s.use_t5);
  shift_->setValue(s.flow_shift);
  setT5Device(QString::fromStdString(s.t5_device));
}

}  // namespace drf::ui
