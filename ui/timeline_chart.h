// Per-device timeline of a run's rounds: one row per device, each round drawn as evaluation,
// communication, refine and idle segments. Rounds end at a barrier, so every row's round k
// starts where the slowest device finished round k-1.
#pragma once
#include <QWidget>
#include <vector>

#include "core/engine/events.h"

namespace drf::ui {

class TimelineChart : public QWidget {
  Q_OBJECT
 public:
  using Round = std::vector<DeviceRoundTiming>;
  explicit TimelineChart(QWidget* parent = nullptr);

  void setRounds(const std::vector<Round>& rounds);
  void appendRound(const Round& round);
  void clear();
  int roundCount() const { return static_cast<int>(rounds_.size()); }
  int deviceCount() const;
  double totalMs() const;  // sum over rounds of the slowest device's round time

  QSize sizeHint() const override { return {420, 150}; }
  QSize minimumSizeHint() const override { return {200, 90}; }
  // Where the legend's entries (swatch and word) go at the current width: they wrap onto more
  // lines rather than run past the right edge ("idl").
  std::vector<QRect> legendRects() const;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<Round> rounds_;
};

}  // namespace drf::ui
