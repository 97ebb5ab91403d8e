// Progress of the running job: a bar over the steps and a line with the phase, steps, rounds,
// elapsed and estimated remaining time (from the serial latencies still to go).
#pragma once
#include <QWidget>

#include "ui/job_types.h"

class QLabel;
class QProgressBar;

namespace drf::ui {

class ProgressPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ProgressPanel(QWidget* parent = nullptr);

  void start(const QString& what);
  void update(const JobProgress& p);
  void finish(const QString& message);  // job done: bar full
  void stop(const QString& message);    // cancelled or failed: bar empty

  QString statusText() const;
  QString barText() const;  // what the bar shows ("12 / 25 steps"; empty when idle)
  // Percent done of the running job (steps), or -1 while the step count is unknown or idle:
  // what the window title and the status bar show.
  int percent() const;
  int value() const;
  int maximum() const;

 private:
  QProgressBar* bar_;
  QLabel* status_;
  // The first round's end: the estimate of the time left uses the rate after it, so model
  // loading, text encoding and the first (slow, warming) round do not inflate it.
  double first_round_ms_ = -1;
  int first_round_latencies_ = 0;
  bool running_ = false;
};

}  // namespace drf::ui
