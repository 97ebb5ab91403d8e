// The size presets of the selected model's family (core/models/families: SDXL's aspect-ratio
// buckets around one megapixel, SD 1.x's 512 and 768, ...), each labelled with its aspect
// ("1216 × 832 (19:13, landscape)") and the model's own size marked "native". Choosing one sets
// the size fields; the fields stay freely editable, and the box then shows "Custom size".
#pragma once
#include <QComboBox>
#include <vector>

#include "core/models/model_families.h"

namespace drf::ui {

// "1216 × 832 (19:13, landscape)"; "1024 × 1024 (1:1, native)" for the model's own size.
QString sizePresetLabel(int width, int height, bool native);

class SizePresetBox : public QComboBox {
  Q_OBJECT
 public:
  explicit SizePresetBox(QWidget* parent = nullptr);

  // The family's presets; the native size is added first when the family does not list it.
  // An empty list (pixel-space models) leaves only "Custom size".
  void setPresets(const std::vector<SizePreset>& presets, int nativeWidth, int nativeHeight);
  int presetCount() const { return count() - 1; }  // without the "Custom size" entry
  // Selects the preset of this size, or "Custom size"; emits nothing.
  void showSize(int width, int height);

 Q_SIGNALS:
  void presetChosen(int width, int height);  // the user picked a preset
};

}  // namespace drf::ui
