#include "ui/size_preset_box.h"

#include <QSignalBlocker>
#include <algorithm>
#include <numeric>

namespace drf::ui {

QString sizePresetLabel(int width, int height, bool native) {
  const int d = std::max(1, std::gcd(width, height));
  const QString shape = width == height ? QString() : width > height ? QObject::tr(", landscape") : QObject::tr(", portrait");
  return QObject::tr("%1 \u00d7 %2 (%3:%4%5%6)")
      .arg(width)
      .arg(height)
      .arg(width / d)
      .arg(height / d)
      .arg(shape, native ? QObject::tr(", native") : QString());
}

SizePresetBox::SizePresetBox(QWidget* parent) : QComboBox(parent) {
  setObjectName(QStringLiteral("sizePresetCombo"));
  setToolTip(tr("Sizes the selected model's family was trained for (SDXL and SD3: aspect-ratio buckets "
                "around one megapixel); the size fields stay editable"));
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  connect(this, &QComboBox::activated, this, [this](int index) {
    const QSize size = itemData(index).toSize();
    if (size.isValid()) Q_EMIT presetChosen(size.width(), size.height());
  });
  setPresets({}, 0, 0);
}

void SizePresetBox::setPresets(const std::vector<SizePreset>& presets, int nativeWidth, int nativeHeight) {
  const QSignalBlocker block(this);
  clear();
  addItem(tr("Custom size"), QSize());
  std::vector<SizePreset> list = presets;
  const bool listsNative = std::any_of(list.begin(), list.end(), [&](const SizePreset& p) {
    return p.width == nativeWidth && p.height == nativeHeight;
  });
  if (!list.empty() && nativeWidth > 0 && !listsNative) list.insert(list.begin(), SizePreset{nativeWidth, nativeHeight});
  for (const SizePreset& p : list)
    addItem(sizePresetLabel(p.width, p.height, p.width == nativeWidth && p.height == nativeHeight),
            QSize(p.width, p.height));
}

void SizePresetBox::showSize(int width, int height) {
  const QSignalBlocker block(this);
  const int index = findData(QSize(width, height));
  setCurrentIndex(index > 0 ? index : 0);
}

}  // namespace drf::ui
