#include "ui/sdxl_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolButton>

#include "core/models/model_families.h"
#include "ui/file_dialogs.h"

namespace drf::ui {
namespace {

const QString kSdxlBase = QStringLiteral("sdxl");
const QString kSdxlRefiner = QStringLiteral("sdxl-refiner");
// The engine's range for size and crop conditioning (validate_settings).
constexpr int kConditioningMax = 16384;

QWidget* sdxlFieldRow(std::initializer_list<QWidget*> widgets) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  for (QWidget* w : widgets) layout->addWidget(w);
  layout->addStretch();
  return row;
}

QSpinBox* pixelSpin(const QString& name, int minimum, int step) {
  auto* box = new QSpinBox;
  box->setObjectName(name);
  box->setRange(minimum, kConditioningMax);
  box->setSingleStep(step);
  box->setSuffix(QObject::tr(" px"));
  return box;
}

}  // namespace

bool SdxlPanel::isSdxlFamily(const QString& familyId) { return familyId == kSdxlBase || familyId == kSdxlRefiner; }

SdxlPanel::SdxlPanel(QWidget* parent)
    : QWidget(parent),
      form_(new QFormLayout(this)),
      crop_left_(pixelSpin(QStringLiteral("cropLeftSpin"), 0, 8)),
      crop_top_(pixelSpin(QStringLiteral("cropTopSpin"), 0, 8)),
      aesthetic_(new QDoubleSpinBox),
      negative_aesthetic_(new QDoubleSpinBox),
      refiner_(new QComboBox),
      refiner_add_(new QToolButton),
      refiner_switch_(new QDoubleSpinBox) {
  form_->setContentsMargins(0, 0, 0, 0);
  form_->addRow(tr("Original size"),
                sizeRow(original_, QStringLiteral("original"),
                        tr("The size the model is told the training image had before resizing (SDXL's size "
                           "conditioning); larger values ask for more detail. Checked: the image size")));
  crop_left_->setToolTip(tr("Left edge of the crop the model is told the training image had (0 = uncropped)"));
  crop_top_->setToolTip(tr("Top edge of the crop the model is told the training image had (0 = uncropped)"));
  form_->addRow(tr("Crop top-left"), sdxlFieldRow({crop_left_, new QLabel(QStringLiteral(",")), crop_top_}));
  form_->addRow(tr("Target size"), sizeRow(target_, QStringLiteral("target"),
                                           tr("The size the model is told the image is meant for (SDXL base "
                                              "only). Checked: the image size")));
  aesthetic_->setObjectName(QStringLiteral("aestheticScoreSpin"));
  negative_aesthetic_->setObjectName(QStringLiteral("negativeAestheticScoreSpin"));
  const GenerationSettings defaults;
  for (QDoubleSpinBox* box : {aesthetic_, negative_aesthetic_}) {
    box->setRange(0.0, 10.0);
    box->setSingleStep(0.5);
    box->setDecimals(1);
  }
  aesthetic_->setValue(defaults.aesthetic_score);
  negative_aesthetic_->setValue(defaults.negative_aesthetic_score);
  aesthetic_->setToolTip(tr("The refiner's aesthetic score for the prompt (0-10; 6 by default): used by an SDXL refiner"));
  negative_aesthetic_->setToolTip(
      tr("The refiner's aesthetic score for the negative prompt (0-10; 2.5 by default): used by an SDXL refiner"));
  form_->addRow(tr("Aesthetic score"),
                sdxlFieldRow({aesthetic_, new QLabel(tr("negative")), negative_aesthetic_}));

  refiner_->setObjectName(QStringLiteral("refinerCombo"));
  refiner_->setToolTip(tr("An SDXL refiner that denoises the last steps (A1111's Refiner); None: the base alone"));
  refiner_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  refiner_->setMinimumContentsLength(14);
  refiner_add_->setObjectName(QStringLiteral("refinerAddButton"));
  refiner_add_->setText(tr("Add"));
  refiner_add_->setToolTip(tr("Choose a refiner: a .safetensors checkpoint or a diffusers folder"));
  refiner_add_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(refiner_add_);
  menu->addAction(tr("A refiner .safetensors file..."), this, &SdxlPanel::chooseRefinerFile);
  menu->addAction(tr("A refiner diffusers folder..."), this, &SdxlPanel::chooseRefinerFolder);
  refiner_add_->setMenu(menu);
  refiner_row_ = new QWidget;
  auto* refinerLayout = new QHBoxLayout(refiner_row_);
  refinerLayout->setContentsMargins(0, 0, 0, 0);
  refinerLayout->addWidget(refiner_, 1);
  refinerLayout->addWidget(refiner_add_);
  form_->addRow(tr("Refiner"), refiner_row_);
  refiner_switch_->setObjectName(QStringLiteral("refinerSwitchSpin"));
  refiner_switch_->setRange(0.01, 0.99);
  refiner_switch_->setSingleStep(0.05);
  refiner_switch_->setDecimals(2);
  refiner_switch_->setValue(defaults.refiner_switch);
  refiner_switch_->setToolTip(tr("The fraction of the steps the base runs before the refiner takes over "
                                 "(A1111's \u201cSwitch at\u201d, diffusers' denoising_end)"));
  form_->addRow(tr("Switch at"), refiner_switch_);

  connect(refiner_, &QComboBox::currentIndexChanged, this, &SdxlPanel::updateEnabled);
  rebuildRefiners(QString());
  setFamily(kSdxlBase);
}

QWidget* SdxlPanel::sizeRow(SizeFields& f, const QString& name, const QString& tip) {
  f.width = pixelSpin(name + QStringLiteral("WidthSpin"), 1, 64);
  f.height = pixelSpin(name + QStringLiteral("HeightSpin"), 1, 64);
  f.follow = new QCheckBox(tr("Image"));
  f.follow->setObjectName(name + QStringLiteral("FollowCheck"));
  f.follow->setChecked(true);
  f.follow->setToolTip(tr("Use the image size (the engine's default)"));
  for (QSpinBox* box : {f.width, f.height}) box->setToolTip(tip);
  connect(f.follow, &QCheckBox::toggled, this, [this, &f] { showFollowed(f); });
  showFollowed(f);
  return sdxlFieldRow({f.width, new QLabel(QStringLiteral("\u00d7")), f.height, f.follow});
}

void SdxlPanel::showFollowed(SizeFields& f) {
  const bool follow = f.follow->isChecked();
  f.width->setEnabled(!follow);
  f.height->setEnabled(!follow);
  if (follow) {
    f.width->setValue(image_width_);
    f.height->setValue(image_height_);
  }
}

void SdxlPanel::setImageSize(int width, int height) {
  image_width_ = width;
  image_height_ = height;
  showFollowed(original_);
  showFollowed(target_);
}

void SdxlPanel::setFamily(const QString& familyId) {
  family_ = familyId;
  const bool refinerModel = familyId == kSdxlRefiner;
  form_->setRowVisible(target_.follow->parentWidget(), !refinerModel);
  form_->setRowVisible(refiner_row_, !refinerModel);
  form_->setRowVisible(refiner_switch_, !refinerModel);
  updateEnabled();
}

void SdxlPanel::updateEnabled() {
  const bool refiner = !this->refiner().isEmpty() && family_ != kSdxlRefiner;
  refiner_switch_->setEnabled(refiner);
  // Aesthetic scores condition only a refiner (its time ids hold them instead of the target size).
  const bool aesthetic = refiner || family_ == kSdxlRefiner;
  aesthetic_->setEnabled(aesthetic);
  negative_aesthetic_->setEnabled(aesthetic);
}

void SdxlPanel::setUserModels(const QStringList& paths) {
  user_models_ = paths;
  rebuildRefiners(refiner());
}

void SdxlPanel::rebuildRefiners(const QString& select) {
  {
    const QSignalBlocker block(refiner_);
    refiner_->clear();
    refiner_->addItem(tr("None"), QString());
    for (const ModelFamily& f : model_families())
      if (QString::fromStdString(f.id) == kSdxlRefiner)
        for (const RandomModel& m : f.random_models)
          refiner_->addItem(QString::fromStdString(m.source), QString::fromStdString(m.source));
    QStringList paths = user_models_;
    for (const QString& p : extra_refiners_)
      if (!paths.contains(p)) paths << p;
    for (const QString& p : paths) {
      if (refiner_->findData(p) >= 0) continue;
      const QString name = QFileInfo(p).fileName();
      refiner_->addItem(name.isEmpty() ? p : name, p);
      refiner_->setItemData(refiner_->count() - 1, p, Qt::ToolTipRole);
    }
    const int index = refiner_->findData(select);
    refiner_->setCurrentIndex(index >= 0 ? index : 0);
  }
  updateEnabled();
}

QString SdxlPanel::refiner() const { return refiner_->currentData().toString(); }

void SdxlPanel::setRefiner(const QString& source) {
  if (!source.isEmpty() && refiner_->findData(source) < 0) extra_refiners_ << source;
  rebuildRefiners(source);
}

void SdxlPanel::chooseRefinerFile() {
  const QString path = chooseOpenFile(this, tr("Choose an SDXL refiner file"), QString(),
                                      tr("safetensors checkpoints (*.safetensors);;All files (*)"));
  if (!path.isEmpty()) setRefiner(path);
}

void SdxlPanel::chooseRefinerFolder() {
  const QString path = chooseFolder(this, tr("Choose an SDXL refiner diffusers folder"), QString());
  if (!path.isEmpty()) setRefiner(path);
}

void SdxlPanel::apply(GenerationSettings& s) const {
  const bool followOriginal = original_.follow->isChecked();
  s.original_width = followOriginal ? 0 : original_.width->value();
  s.original_height = followOriginal ? 0 : original_.height->value();
  s.crop_left = crop_left_->value();
  s.crop_top = crop_top_->value();
  s.aesthetic_score = aesthetic_->value();
  s.negative_aesthetic_score = negative_aesthetic_->value();
  const bool followTarget = target_.follow->isChecked();
  s.target_width = followTarget ? 0 : target_.width->value();
  s.target_height = followTarget ? 0 : target_.height->value();
  s.refiner = refiner().toStdString();
  s.refiner_switch = refiner_switch_->value();
}

void SdxlPanel::applyToJob(GenerationSettings& s) const {
  apply(s);
  if (family_ != kSdxlRefiner) return;
  const GenerationSettings defaults;
  s.target_width = defaults.target_width;
  s.target_height = defaults.target_height;
  s.refiner = defaults.refiner;
  s.refiner_switch = defaults.refiner_switch;
}

void SdxlPanel::load(const GenerationSettings& s) {
  const auto loadSize = [this](SizeFields& f, int width, int height) {
    f.follow->setChecked(width == 0 && height == 0);
    if (!f.follow->isChecked()) {
      f.width->setValue(width > 0 ? width : image_width_);
      f.height->setValue(height > 0 ? height : image_height_);
    }
    showFollowed(f);
  };
  loadSize(original_, s.original_width, s.original_height);
  loadSize(target_, s.target_width, s.target_height);
  crop_left_->setValue(s.crop_left);
  crop_top_->setValue(s.crop_top);
  aesthetic_->setValue(s.aesthetic_score);
  negative_aesthetic_->setValue(s.negative_aesthetic_score);
  refiner_switch_->setValue(s.refiner_switch);
  setRefiner(QString::fromStdString(s.refiner));
}

}  // namespace drf::ui
