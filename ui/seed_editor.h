// Seed field with a "random" switch and a re-roll button. With "random" on, every generation
// draws a new seed and shows it, so the field always holds the seed of the last image.
#pragma once
#include <QWidget>
#include <cstdint>

class QCheckBox;
class QLineEdit;
class QToolButton;

namespace drf::ui {

class SeedEditor : public QWidget {
  Q_OBJECT
 public:
  explicit SeedEditor(QWidget* parent = nullptr);

  std::uint64_t seed() const;          // the value shown
  std::uint64_t seedForNextRun();      // draws a new one first when random is on
  void setSeed(std::uint64_t seed);
  bool isRandom() const;
  void setRandom(bool random);
  void reroll();                       // a new random value in the field

 private:
  QLineEdit* edit_;
  QCheckBox* random_;
  QToolButton* reroll_;
};

}  // namespace drf::ui
