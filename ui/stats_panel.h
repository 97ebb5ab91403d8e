// Speed statistics of the current or selected run: steps per second, serial network
// latencies against the sequential count, theoretical against measured speedup, the phase
// times, the drafts per network call the draft memory budget allowed, and the per-device
// timeline chart.
#pragma once
#include <QWidget>
#include <optional>

#include "ui/job_types.h"

class QFormLayout;
class QLabel;

namespace drf::ui {

class TimelineChart;

class StatsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit StatsPanel(QWidget* parent = nullptr);

  void startRun(const GenerationSettings& settings);
  void updateProgress(const JobProgress& progress);
  // baselineMs: sampling time of a sequential run with the same cost-relevant settings.
  void showOutcome(const GenerationOutcome& outcome, std::optional<double> baselineMs);
  // The run ended without an image (cancelled or failed): nothing "so far" or "running" stays.
  void endWithoutResult(const QString& reason);
  QString stepsPerSecondText() const;

  TimelineChart* timeline() const { return timeline_; }
  QString measuredSpeedupText() const;
  QString latencyText() const;

 private:
  QFormLayout* form_;
  QLabel* steps_per_second_;
  QLabel* latencies_;
  QLabel* theoretical_;
  QLabel* measured_;
  QLabel* phases_;
  QLabel* devices_;
  QLabel* drafts_per_call_;  // its row is shown only when the run had a draft memory limit
  TimelineChart* timeline_;
};

}  // namespace drf::ui
