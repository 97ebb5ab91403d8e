#include "ui/seed_editor.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QRandomGenerator>
#include <QRegularExpressionValidator>
#include <QToolButton>

namespace drf::ui {

SeedEditor::SeedEditor(QWidget* parent)
    : QWidget(parent), edit_(new QLineEdit), random_(new QCheckBox(tr("Random"))), reroll_(new QToolButton) {
  edit_->setObjectName(QStringLiteral("seedEdit"));
  random_->setObjectName(QStringLiteral("randomSeedCheck"));
  reroll_->setObjectName(QStringLiteral("rerollButton"));
  // Up to 19 digits always fits in 64 bits.
  edit_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,19}")), edit_));
  edit_->setText(QStringLiteral("0"));
  reroll_->setText(tr("Re-roll"));
  reroll_->setToolTip(tr("Pick a new random seed"));
  random_->setToolTip(tr("Draw a new seed for every generation"));
  edit_->setToolTip(tr("The seed of the starting noise: the same seed and settings give the same image"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit_, 1);
  layout->addWidget(reroll_);
  layout->addWidget(random_);
  connect(reroll_, &QToolButton::clicked, this, &SeedEditor::reroll);
}

std::uint64_t SeedEditor::seed() const { return edit_->text().toULongLong(); }

std::uint64_t SeedEditor::seedForNextRun() {
  if (isRandom()) reroll();
  return seed();
}

void SeedEditor::setSeed(std::uint64_t seed) { edit_->setText(QString::number(seed)); }
bool SeedEditor::isRandom() const { return random_->isChecked(); }
void SeedEditor::setRandom(bool random) { random_->setChecked(random); }

// 32-bit seeds, as other tools write them into their image metadata.
void SeedEditor::reroll() { setSeed(QRandomGenerator::global()->generate()); }

}  // namespace drf::ui
