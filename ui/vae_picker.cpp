#include "ui/vae_picker.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QToolButton>

#include "ui/file_dialogs.h"

namespace drf::ui {

VaePicker::VaePicker(QWidget* parent) : QWidget(parent), edit_(new QLineEdit), choose_(new QToolButton) {
  edit_->setObjectName(QStringLiteral("vaeEdit"));
  choose_->setObjectName(QStringLiteral("vaeChooseButton"));
  edit_->setPlaceholderText(tr("the model's own"));
  edit_->setToolTip(tr("Decode with another VAE: a .safetensors file or a diffusers VAE folder "
                       "(e.g. the fp16-fixed SDXL VAE); empty: the model's own VAE"));
  choose_->setText(tr("Choose"));
  choose_->setToolTip(tr("Choose a VAE file or folder, or go back to the model's own VAE"));
  choose_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(choose_);
  menu->addAction(tr("A VAE .safetensors file..."), this, [this] {
    const QString path = chooseOpenFile(this, tr("Choose a VAE file"), edit_->text(),
                                        tr("safetensors files (*.safetensors);;All files (*)"));
    if (!path.isEmpty()) setVae(path);
  });
  menu->addAction(tr("A diffusers VAE folder..."), this, [this] {
    const QString path = chooseFolder(this, tr("Choose a VAE folder (with config.json)"), edit_->text());
    if (!path.isEmpty()) setVae(path);
  });
  menu->addSeparator();
  menu->addAction(tr("The model's own VAE"), this, [this] { setVae(QString()); });
  choose_->setMenu(menu);
  auto* label = new QLabel(tr("VAE"));
  label->setBuddy(edit_);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(label);
  layout->addWidget(edit_, 1);
  layout->addWidget(choose_);
}

QString VaePicker::vae() const { return edit_->text().trimmed(); }
void VaePicker::setVae(const QString& path) { edit_->setText(path); }

void VaePicker::setModelHasVae(bool hasVae) {
  model_has_vae_ = hasVae;
  edit_->setEnabled(hasVae);
  choose_->setEnabled(hasVae);
}

}  // namespace drf::ui
