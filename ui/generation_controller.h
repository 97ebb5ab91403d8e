// Runs engine jobs on the worker thread. It lives on a QThread (moveToThread) and is driven by
// queued calls from JobRunner; every engine event becomes a queued signal to the GUI thread,
// so the window never blocks (the shape of qtbase's threads/mandelbrot example, with the
// engine's rounds in place of the coarse-to-fine passes). No exception leaves this object.
#pragma once
#include <QObject>
#include <atomic>

#include "core/engine/comparison.h"
#include "core/engine/engine.h"
#include "ui/job_types.h"

namespace drf::ui {

class GenerationController : public QObject {
  Q_OBJECT
 public:
  explicit GenerationController(QObject* parent = nullptr);
  ~GenerationController() override;

  // Thread-safe (called from the GUI thread while the worker is busy): the engine checks the
  // flag between network evaluations, so the job stops within one round.
  void requestCancel(int jobId);

 public Q_SLOTS:
  void runJob(const drf::ui::JobRequest& job);
  void describeModel(const QString& source);
  void listDevices();

 Q_SIGNALS:
  void jobProgress(const drf::ui::JobProgress& progress);
  void generationFinished(int jobId, const drf::ui::OutcomePtr& outcome);
  void comparisonFinished(int jobId, const drf::ui::ComparisonPtr& outcome);
  void jobFailed(int jobId, const QString& message, const QString& errorKind);
  void jobCancelled(int jobId);
  void jobEnded(int jobId);  // after finished, failed or cancelled: the runner starts the next
  void modelDescribed(const QString& source, const drf::ModelSummary& summary);
  void modelFailed(const QString& source, const QString& message);
  void devicesListed(const drf::ui::DeviceList& devices);

 private:
  static JobProgress toProgress(int jobId, const JobEvent& e, const QString& stage, const GenerationSettings& settings);
  void runGeneration(const JobRequest& job);   // throws drf::Error
  void runComparison(const JobRequest& job);   // throws drf::Error
  // Writes both images and the heat map of one seed; records a failure in `error`, never throws.
  void saveComparisonRow(ComparisonRow& row, const SeedComparison& c, const QString& folder, QString& error);

  Engine engine_;
  std::atomic<bool> cancel_{false};
  std::atomic<int> running_job_{0};
  std::atomic<int> cancel_requested_for_{0};
};

}  // namespace drf::ui
