#include "ui/model_picker.h"

#include "core/models/model_families.h"

#include "ui/file_dialogs.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>

namespace drf::ui {

const QString ModelPicker::kBuiltin = QStringLiteral("builtin");
const QString ModelPicker::kAnalytic = QStringLiteral("analytic");

namespace {

bool isUserPath(const QString& source) {
  return source != ModelPicker::kBuiltin && source != ModelPicker::kAnalytic && !source.startsWith(QStringLiteral("random:"));
}

}  // namespace

ModelPicker::ModelPicker(QWidget* parent)
    : QWidget(parent), combo_(new QComboBox), add_(new QToolButton), status_(new QLabel) {
  combo_->setObjectName(QStringLiteral("modelCombo"));
  add_->setObjectName(QStringLiteral("addModelButton"));
  status_->setObjectName(QStringLiteral("modelStatus"));
  combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  combo_->setMinimumContentsLength(18);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  // No "..." here: the button opens a menu (its arrow sat on the ellipsis); the menu's entries open dialogs.
  add_->setText(tr("Add model"));
  add_->setToolTip(tr("Add a .safetensors checkpoint or a diffusers folder, or remove the selected model"));
  combo_->setToolTip(tr("The model that generates: built-in, analytic demo, your models, random weights for speed tests"));
  add_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(add_);
  menu->addAction(tr("Add a .safetensors file..."), this, &ModelPicker::chooseFile);
  menu->addAction(tr("Add a diffusers folder..."), this, &ModelPicker::chooseFolder);
  menu->addSeparator();
  menu->addAction(tr("Remove the selected model from the list"), this, &ModelPicker::removeCurrent);
  add_->setMenu(menu);

  auto* row = new QHBoxLayout;
  row->addWidget(combo_, 1);
  row->addWidget(add_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(status_);

  connect(combo_, &QComboBox::currentIndexChanged, this, [this] {
    status_->setText(tr("Checking the model..."));
    Q_EMIT currentSourceChanged(currentSource());
  });
  rebuild(kBuiltin);
}

QString ModelPicker::currentSource() const { return combo_->currentData().toString(); }

void ModelPicker::setCurrentSource(const QString& source) {
  if (source.isEmpty()) return;
  if (combo_->findData(source) < 0) {
    if (!isUserPath(source)) return;
    user_models_.append(source);
    rebuild(currentSource());  // keep the old selection so the change below is signalled
    Q_EMIT userModelsChanged(user_models_);
  }
  combo_->setCurrentIndex(combo_->findData(source));
}

void ModelPicker::addModel(const QString& path) {
  const QString clean = QDir::cleanPath(path);
  setCurrentSource(clean);
}

void ModelPicker::setUserModels(const QStringList& paths) {
  user_models_.clear();
  for (const QString& p : paths)
    if (!p.isEmpty() && isUserPath(p) && !user_models_.contains(p)) user_models_.append(p);
  rebuild(currentSource());
}

void ModelPicker::rebuild(const QString& select) {
  const QSignalBlocker block(combo_);
  combo_->clear();
  combo_->addItem(tr("Built-in emoji model"), kBuiltin);
  combo_->addItem(tr("Analytic demo model (red, green, blue, gold)"), kAnalytic);
  for (const QString& p : user_models_) {
    const QFileInfo info(p);
    combo_->addItem(info.fileName().isEmpty() ? p : info.fileName(), p);
    combo_->setItemData(combo_->count() - 1, p, Qt::ToolTipRole);
  }
  combo_->insertSeparator(combo_->count());
  // The random:* models of every family (core/models/families).
  for (const RandomModel& m : all_random_models())
    combo_->addItem(QString::fromStdString(m.source + " - " + m.description), QString::fromStdString(m.source));
  const int index = combo_->findData(select);
  combo_->setCurrentIndex(index >= 0 ? index : 0);
}

void ModelPicker::setModelReady(const QString& source, const ModelSummary& s) {
  if (source != currentSource()) return;
  // Only what the name does not say already ("Built-in emoji model (64x64, pixel space)" named
  // its size and space, and the line repeated them).
  const QString name = QString::fromStdString(s.name);
  QString text = tr("%1 \u00b7 %2").arg(name, QString::fromStdString(s.architecture));
  const QString size = QStringLiteral("%1x%2").arg(s.native_width).arg(s.native_height);
  if (s.native_width > 0 && !name.contains(size)) text += tr(" \u00b7 %1\u00d7%2").arg(s.native_width).arg(s.native_height);
  const QString space = s.pixel_space ? tr("pixel space") : tr("latent space");
  if (!name.contains(space)) text += QStringLiteral(" \u00b7 ") + space;
  status_->setText(text);
  status_->setStyleSheet(QString());
}

void ModelPicker::setModelFailed(const QString& source, const QString& message) {
  if (source != currentSource()) return;
  status_->setText(tr("Cannot use this model: %1").arg(message));
  status_->setStyleSheet(QStringLiteral("color: #b00020;"));
}

QString ModelPicker::statusText() const { return status_->text(); }

void ModelPicker::chooseFile() {
  const QString path = chooseOpenFile(this, tr("Add a model file"), QString(),
                                      tr("safetensors checkpoints (*.safetensors);;All files (*)"));
  if (!path.isEmpty()) addModel(path);
}

void ModelPicker::chooseFolder() {
  const QString path = drf::ui::chooseFolder(this, tr("Add a diffusers model folder"), QString());
  if (!path.isEmpty()) addModel(path);
}

void ModelPicker::removeCurrent() {
  const QString source = currentSource();
  if (!user_models_.removeAll(source)) return;
  rebuild(kBuiltin);
  Q_EMIT userModelsChanged(user_models_);
  Q_EMIT currentSourceChanged(currentSource());
}

}  // namespace drf::ui
