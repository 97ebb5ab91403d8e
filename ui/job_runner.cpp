#include "ui/job_runner.h"

#include "ui/generation_controller.h"
#include "ui/queue_model.h"

namespace drf::ui {

JobRunner::JobRunner(QObject* parent) : QObject(parent), queue_(new QueueModel(this)) {
  registerJobMetaTypes();
  thread_.setObjectName(QStringLiteral("generation"));
  controller_ = new GenerationController;  // no parent: it moves to the worker thread
  controller_->moveToThread(&thread_);
  connect(controller_, &GenerationController::jobEnded, this, &JobRunner::onJobEnded);
  thread_.start();
}

JobRunner::~JobRunner() {
  queue_->clear();
  if (current_.id) controller_->requestCancel(current_.id);
  thread_.quit();
  thread_.wait();
  delete controller_;  // the thread has stopped, so deleting from here is safe
}

int JobRunner::submit(JobKind kind, const GenerationSettings& settings, const QString& outputFolder,
                      int compareSeeds) {
  JobRequest job;
  job.id = next_id_++;
  job.kind = kind;
  job.settings = settings;
  job.compare_seeds = compareSeeds;
  job.output_folder = outputFolder;
  queue_->enqueue(job);
  if (!isBusy()) {
    startNext();
    Q_EMIT busyChanged(true);
  }
  return job.id;
}

void JobRunner::cancelCurrent() {
  if (current_.id) controller_->requestCancel(current_.id);
}

void JobRunner::describeModel(const QString& source) {
  QMetaObject::invokeMethod(controller_, "describeModel", Qt::QueuedConnection, Q_ARG(QString, source));
}

void JobRunner::listDevices() { QMetaObject::invokeMethod(controller_, "listDevices", Qt::QueuedConnection); }

void JobRunner::onJobEnded(int jobId) {
  if (jobId != current_.id) return;
  current_ = JobRequest{};
  if (queue_->isEmpty())
    Q_EMIT busyChanged(false);
  else
    startNext();
}

void JobRunner::startNext() {
  current_ = queue_->takeFirst();
  QMetaObject::invokeMethod(controller_, "runJob", Qt::QueuedConnection, Q_ARG(drf::ui::JobRequest, current_));
  Q_EMIT jobStarted(current_);
}

}  // namespace drf::ui
