// GUI-thread side of generation: owns the worker QThread, the controller living on it and the
// queue of waiting jobs. Submitting while busy queues; when a job ends the next one starts.
#pragma once
#include <QObject>
#include <QThread>

#include "ui/job_types.h"

namespace drf::ui {

class GenerationController;
class QueueModel;

class JobRunner : public QObject {
  Q_OBJECT
 public:
  explicit JobRunner(QObject* parent = nullptr);
  ~JobRunner() override;  // cancels the running job, drops the queue and joins the thread

  GenerationController* controller() const { return controller_; }
  QueueModel* queue() const { return queue_; }

  // Queues a job (and starts it when the worker is idle); returns its id. Results are saved
  // in outputFolder (none when empty).
  int submit(JobKind kind, const GenerationSettings& settings, const QString& outputFolder, int compareSeeds = 1);
  bool isBusy() const { return current_.id != 0; }
  const JobRequest& currentJob() const { return current_; }
  void cancelCurrent();  // Esc: the engine stops within one round
  void describeModel(const QString& source);
  void listDevices();

 Q_SIGNALS:
  void jobStarted(const drf::ui::JobRequest& job);
  void busyChanged(bool busy);

 private:
  void onJobEnded(int jobId);
  void startNext();  // precondition: the queue is not empty

  QThread thread_;
  GenerationController* controller_ = nullptr;
  QueueModel* queue_ = nullptr;
  JobRequest current_;
  int next_id_ = 1;
};

}  // namespace drf::ui
