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
  int value() const;
  int maximum() const;

 private:
  QProgressBar* bar_;
  QLabel* status_;
};

}  // namespace drf::ui
