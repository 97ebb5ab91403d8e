#include "ui/lora_picker.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QToolButton>

#include "ui/file_dialogs.h"

namespace drf::ui {
namespace {

QString usage() {
  return LoraPicker::tr(
      "LoRAs merged into the model when it loads: file.safetensors:strength entries separated by "
      "';' (strength 1 when left out, -10 to 10). kohya, diffusers/PEFT and LCM-LoRA files");
}

}  // namespace

LoraPicker::LoraPicker(QWidget* parent) : QWidget(parent), edit_(new QLineEdit), add_(new QToolButton) {
  edit_->setObjectName(QStringLiteral("loraEdit"));
  add_->setObjectName(QStringLiteral("loraAddButton"));
  edit_->setPlaceholderText(tr("none"));
  edit_->setToolTip(usage());
  add_->setText(tr("Add"));
  add_->setToolTip(tr("Add a LoRA file at strength 1, or remove them all"));
  add_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(add_);
  menu->addAction(tr("A LoRA .safetensors file..."), this, [this] {
    // Start in the folder of the last LoRA listed: LoRAs usually live together.
    QString folder;
    try {
      const auto list = parse_lora_list(text().toStdString());
      if (!list.empty()) folder = QFileInfo(QString::fromStdString(list.back().path)).absolutePath();
    } catch (const std::exception&) {
      // A list that cannot be read: the dialog starts where it would without one.
    }
    const QString path =
        chooseOpenFile(this, tr("Choose a LoRA file"), folder, tr("safetensors files (*.safetensors);;All files (*)"));
    if (!path.isEmpty()) addFile(path);
  });
  menu->addSeparator();
  menu->addAction(tr("No LoRA"), this, [this] { setText(QString()); });
  add_->setMenu(menu);
  connect(edit_, &QLineEdit::textChanged, this, [this] { check(); });
  auto* label = new QLabel(tr("LoRA"));
  label->setBuddy(edit_);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(label);
  layout->addWidget(edit_, 1);
  layout->addWidget(add_);
}

QString LoraPicker::text() const { return edit_->text().trimmed(); }
void LoraPicker::setText(const QString& text) { edit_->setText(text); }

void LoraPicker::addFile(const QString& path) {
  std::vector<LoraChoice> list;
  try {
    list = parse_lora_list(text().toStdString());
  } catch (const std::exception&) {
    // Keep what was typed: the new file goes after it and the error stays shown.
    setText(text() + QStringLiteral("; ") + QString::fromStdString(format_lora_list({{path.toStdString(), 1.0}})));
    return;
  }
  list.push_back({path.toStdString(), 1.0});
  setText(QString::fromStdString(format_lora_list(list)));
}

void LoraPicker::check() {
  error_.clear();
  try {
    parse_lora_list(text().toStdString());
  } catch (const std::exception& e) {
    error_ = QString::fromStdString(e.what());
  }
  // A red frame and the reason in the tooltip while the list cannot be read.
  edit_->setStyleSheet(error_.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 1px solid #c0392b; }"));
  edit_->setToolTip(error_.isEmpty() ? usage() : error_);
}

void LoraPicker::setModelTakesLora(bool takes) {
  takes_lora_ = takes;
  edit_->setEnabled(takes);
  add_->setEnabled(takes);
}

void LoraPicker::apply(GenerationSettings& s) const {
  s.loras.clear();
  if (!error_.isEmpty()) return;
  s.loras = parse_lora_list(text().toStdString());
}

void LoraPicker::load(const GenerationSettings& s) { setText(QString::fromStdString(format_lora_list(s.loras))); }

}  // namespace drf::ui
