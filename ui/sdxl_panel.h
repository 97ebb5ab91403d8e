// SDXL's own settings, shown only for SDXL-family models: the size and crop micro-conditioning
// (original size, crop top-left, target size; original and target follow the image size until
// set, as the engine does), the aesthetic scores of the refiner's conditioning, and the base ->
// refiner switch (a refiner model and the fraction of the steps the base runs). The fields map
// one to one onto GenerationSettings (core/engine/settings.h), the settings JSON and the infotext.
#pragma once
#include <QStringList>
#include <QWidget>

#include "core/engine/settings.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QSpinBox;
class QToolButton;

namespace drf::ui {

class SdxlPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SdxlPanel(QWidget* parent = nullptr);

  // The registry family of the selected model ("sdxl", "sdxl-refiner"): a refiner model has no
  // target size and no refiner of its own; its aesthetic scores always apply.
  void setFamily(const QString& familyId);
  QString family() const { return family_; }
  static bool isSdxlFamily(const QString& familyId);
  // The size the next image gets: what following fields show.
  void setImageSize(int width, int height);
  // Models the user added (ModelPicker): offered as refiners next to the random refiners.
  void setUserModels(const QStringList& paths);

  void apply(GenerationSettings& s) const;  // every field (what the session remembers)
  // What the selected model uses: a refiner model takes no target size and no refiner.
  void applyToJob(GenerationSettings& s) const;
  void load(const GenerationSettings& s);
  QString refiner() const;  // "" = none
  void setRefiner(const QString& source);  // adds a source that is not listed yet

 private:
  struct SizeFields {
    QSpinBox* width;
    QSpinBox* height;
    QCheckBox* follow;  // checked: the image size (stored as 0)
  };
  QWidget* sizeRow(SizeFields& f, const QString& name, const QString& tip);
  void showFollowed(SizeFields& f);
  void rebuildRefiners(const QString& select);
  void chooseRefinerFile();
  void chooseRefinerFolder();
  void updateEnabled();

  QFormLayout* form_;
  SizeFields original_{}, target_{};
  QSpinBox* crop_left_;
  QSpinBox* crop_top_;
  QDoubleSpinBox* aesthetic_;
  QDoubleSpinBox* negative_aesthetic_;
  QWidget* refiner_row_;
  QComboBox* refiner_;
  QToolButton* refiner_add_;
  QDoubleSpinBox* refiner_switch_;
  QString family_;
  QStringList user_models_, extra_refiners_;  // extra: restored or chosen, not in the user list
  int image_width_ = 1024, image_height_ = 1024;
};

}  // namespace drf::ui
