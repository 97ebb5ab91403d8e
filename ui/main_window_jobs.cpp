// MainWindow: submitting jobs and showing what the worker reports.
#include <QFileInfo>
#include <QGroupBox>
#include <QStatusBar>
#include <QPushButton>
#include <QTabWidget>

#include "core/engine/consistency_defaults.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "ui/compare_view.h"
#include "ui/device_model.h"
#include "ui/draft_strip.h"
#include "ui/error_text.h"
#include "ui/generation_controller.h"
#include "ui/history_model.h"
#include "ui/job_description.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/message_banner.h"
#include "ui/model_family_lookup.h"
#include "ui/model_picker.h"
#include "ui/parallelism_panel.h"
#include "ui/preview_view.h"
#include "ui/progress_panel.h"
#include "ui/prompt_panel.h"
#include "ui/queue_model.h"
#include "ui/queue_view.h"
#include "ui/result_files.h"
#include "ui/sampling_panel.h"
#include "ui/sd3_panel.h"
#include "ui/sdxl_panel.h"
#include "ui/stats_panel.h"
#include "ui/vae_picker.h"
#include "ui/lora_picker.h"

namespace drf::ui {
namespace {

QString seconds(double ms) { return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 2); }

}  // namespace

void MainWindow::connectRunner() {
  GenerationController* c = runner_->controller();
  connect(runner_, &JobRunner::jobStarted, this, &MainWindow::onJobStarted);
  connect(runner_, &JobRunner::busyChanged, this, &MainWindow::onBusyChanged);
  connect(c, &GenerationController::jobProgress, this, &MainWindow::onProgress);
  connect(c, &GenerationController::generationFinished, this, &MainWindow::onGenerationFinished);
  connect(c, &GenerationController::comparisonFinished, this, &MainWindow::onComparisonFinished);
  connect(c, &GenerationController::jobFailed, this, &MainWindow::onJobFailed);
  connect(c, &GenerationController::jobCancelled, this, &MainWindow::onJobCancelled);
  connect(c, &GenerationController::jobEnded, this, [this](int jobId) {
    showProgressOutside(-1);
    Q_EMIT jobEndedShown(jobId);
  });
  connect(c, &GenerationController::modelDescribed, this, &MainWindow::onModelDescribed);
  connect(c, &GenerationController::modelFailed, this, &MainWindow::onModelFailed);
  connect(c, &GenerationController::devicesListed, this, &MainWindow::onDevicesListed);
}

GenerationSettings MainWindow::collectSettings() {
  GenerationSettings s;
  s.model = model_picker_->currentSource().toStdString();
  s.prompt = prompt_panel_->prompt().toStdString();
  s.negative_prompt = prompt_panel_->negativePrompt().toStdString();
  sampling_panel_->apply(s);
  parallelism_panel_->apply(s);
  // Family settings go into the job only where they apply (so an SD 1.5 image's infotext
  // carries no SDXL refiner); while a model file is still being checked (family unknown) the
  // engine decides.
  const bool known = !model_family_.isEmpty();
  if (!known || familyHasVae(model_family_)) vae_picker_->apply(s);
  if (!known || familyTakesLora(model_family_)) lora_picker_->apply(s);
  if (!known || SdxlPanel::isSdxlFamily(model_family_)) sdxl_panel_->applyToJob(s);
  if (!known || Sd3Panel::isSd3Family(model_family_)) sd3_panel_->apply(s);
  return s;
}

int MainWindow::generate() { return submit(JobKind::Generate); }
int MainWindow::compare() { return submit(JobKind::Compare); }

int MainWindow::submit(JobKind kind) {
  if (model_broken_) {  // Generate is disabled; this is the path of a programmatic call
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("The selected model cannot be used: %1").arg(model_picker_->statusText()),
                         QStringLiteral("model"));
    return 0;
  }
  if (lora_picker_->modelTakesLora() && !lora_picker_->error().isEmpty()) {
    banner_->showMessage(MessageBanner::Level::Error, tr("Cannot start: LoRA: %1").arg(lora_picker_->error()),
                         QStringLiteral("settings"));
    return 0;
  }
  const GenerationSettings s = collectSettings();
  try {
    validate_settings(s);
    plan_draft_refine(s.steps, s.width, s.mode, effective_warmup(s));
  } catch (const std::exception& e) {
    banner_->showMessage(MessageBanner::Level::Error, tr("Cannot start: %1").arg(QString::fromStdString(e.what())),
                         QStringLiteral("settings"));
    return 0;
  }
  if (kind == JobKind::Compare && s.mode == Mode::Sequential) {
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("Choose Conservative or Aggressive mode to compare DRiffusion with the sequential sampler."));
    return 0;
  }
  banner_->hide();  // an earlier message no longer applies to the new job
  prompt_panel_->rememberPrompt(prompt_panel_->prompt());
  app_settings_.setLastParameters(s);
  app_settings_.setRecentPrompts(prompt_panel_->recentPrompts());
  const bool wasBusy = runner_->isBusy();
  const int seeds = kind == JobKind::Compare ? compare_view_->seedCount() : 1;
  const int id = runner_->submit(kind, s, output_folder_, seeds);
  if (wasBusy) statusBar()->showMessage(tr("Job %1 queued (%2 waiting)").arg(id).arg(runner_->queue()->rowCount()), 5000);
  return id;
}

void MainWindow::cancel() {
  if (!runner_->isBusy()) return;
  runner_->cancelCurrent();
  progress_panel_->stop(tr("Cancelling..."));
}

void MainWindow::onBusyChanged(bool busy) {
  cancel_button_->setEnabled(busy);
  cancel_action_->setEnabled(busy);
  // The button texts stay the same (a longer text would widen the panel and move the splitter);
  // the tooltips and the status bar say that a new job queues.
  generate_button_->setToolTip(busy ? tr("Queue another job with these settings (Ctrl+Enter)")
                                    : tr("Generate (Ctrl+Enter); queued when a job is running"));
  if (!busy) queue_view_->setRunning(QString());
}

void MainWindow::updateGenerateEnabled() {
  for (QWidget* w : std::initializer_list<QWidget*>{generate_button_, compare_button_}) w->setEnabled(!model_broken_);
  generate_action_->setEnabled(!model_broken_);
  compare_action_->setEnabled(!model_broken_);
  if (model_broken_) generate_button_->setToolTip(tr("The selected model cannot be used; choose another one"));
  else onBusyChanged(runner_->isBusy());
}

void MainWindow::onJobStarted(const JobRequest& job) {
  current_job_ = job;
  queue_view_->setRunning(jobSummary(job));
  progress_panel_->start(job.kind == JobKind::Compare ? tr("Compare") : tr("Generate"));
  stats_panel_->startRun(job.settings);
  draft_strip_->clear();
  showProgressOutside(0);
  if (job.kind == JobKind::Compare) {
    compare_view_->setStatus(tr("Running the comparison over %1 seed(s)...").arg(job.compare_seeds));
  }
  logger("ui")->info("job {} started: {}", job.id, jobSummary(job).toStdString());
}

const DraftPlan* MainWindow::planFor(int steps, int width, Mode mode, int warmup) {
  if (!plan_ || plan_->steps != steps || plan_->mode != mode ||
      (mode != Mode::Sequential && (plan_->width != width || plan_->warmup != warmup))) {
    try {
      plan_ = plan_draft_refine(steps, width, mode, warmup);
    } catch (const std::exception&) {
      plan_.reset();
    }
  }
  return plan_ ? &*plan_ : nullptr;
}

void MainWindow::onProgress(const JobProgress& p) {
  if (p.job_id != current_job_.id) return;
  progress_panel_->update(p);
  if (p.kind == JobEventKind::TextEncoded && !p.message.isEmpty())
    banner_->showMessage(MessageBanner::Level::Warning, p.message);
  if (p.kind == JobEventKind::Started && !p.stage.isEmpty()) {
    compare_view_->setStatus(tr("Running: %1").arg(p.stage));
    GenerationSettings sub = current_job_.settings;
    sub.mode = p.mode;
    sub.width = p.width;
    stats_panel_->startRun(sub);
  }
  if (p.kind != JobEventKind::RoundDone) return;
  QList<int> steps;
  if (const DraftPlan* plan = planFor(p.steps_total, p.width, p.mode, effective_warmup(current_job_.settings)); plan && p.round >= 1 &&
                                                                        p.round <= static_cast<int>(plan->rounds.size())) {
    const DraftRound& r = plan->rounds[p.round - 1];
    for (int offset : r.draft_offsets) steps << r.anchor + offset;
  }
  const QString stage = p.stage.isEmpty() ? QString() : p.stage + QStringLiteral(" \u00b7 ");
  preview_->setImage(p.preview, tr("%1round %2 of %3 \u00b7 refined state at step %4 of %5")
                                    .arg(stage)
                                    .arg(p.round)
                                    .arg(p.rounds_total)
                                    .arg(p.steps_done)
                                    .arg(p.steps_total));
  draft_strip_->setDrafts(p.drafts, steps);
  stats_panel_->updateProgress(p);
  showProgressOutside(progress_panel_->percent());
  Q_EMIT previewUpdated(p.round, p.rounds_total);
}

void MainWindow::onGenerationFinished(int jobId, const OutcomePtr& outcome) {
  const GenerationResult& r = outcome->result;
  baselines_.record(r);
  const std::optional<double> baseline = baselines_.samplingMs(r.settings);
  const double measured =
      (r.settings.mode != Mode::Sequential && baseline && r.stats.sampling_ms > 0) ? *baseline / r.stats.sampling_ms : 0;
  history_->add(outcome, outcome->saved_path, outcome->save_error, measured);
  preview_->setImage(outcome->image, tr("final image \u00b7 seed %1 \u00b7 %2").arg(r.settings.seed).arg(seconds(r.stats.total_ms)));
  preview_->setFilePath(outcome->saved_path);  // dragging the image out carries its file
  stats_panel_->showOutcome(*outcome, baseline);
  banner_->clearTopic(QStringLiteral("job"));  // an earlier failure is no longer the news
  QString done = tr("Done in %1").arg(seconds(r.stats.total_ms));
  // The file name only: the folder is in the status bar, and a long path would widen the panel.
  if (!outcome->saved_path.isEmpty()) done += tr(", saved as %1").arg(QFileInfo(outcome->saved_path).fileName());
  progress_panel_->finish(done);
  if (!outcome->save_error.isEmpty())
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("The image could not be saved: %1\nIt is kept in the History tab; use \u201cSave as...\u201d there "
                            "to save it elsewhere, or choose another output folder (File menu).")
                             .arg(outcome->save_error),
                         QStringLiteral("save"));
  else
    banner_->clearTopic(QStringLiteral("save"));  // saving works again
  // Small images also enlarged for viewing (File > Also save small images enlarged).
  if (!outcome->saved_path.isEmpty() && app_settings_.saveUpscaledCopies() && isSmallImage(r.image)) {
    try {
      const QString copy = saveUpscaledCopy(r, outcome->saved_path, kViewingUpscale, measured);
      logger("ui")->info("saved {}", copy.toStdString());
    } catch (const std::exception& e) {
      banner_->showMessage(MessageBanner::Level::Error,
                           tr("The enlarged copy could not be saved: %1").arg(QString::fromStdString(e.what())),
                           QStringLiteral("save"));
    }
  }
  for (const std::string& w : r.warnings) statusBar()->showMessage(QString::fromStdString(w), 8000);
  Q_EMIT generationShown(jobId);
}

void MainWindow::onComparisonFinished(int jobId, const ComparisonPtr& outcome) {
  for (const ComparisonRow& row : outcome->rows) {
    baselines_.record(row.sequential.result);
    auto seq = std::make_shared<GenerationOutcome>(row.sequential);
    auto par = std::make_shared<GenerationOutcome>(row.parallel);
    history_->add(seq, row.sequential_path, outcome->save_error);
    history_->add(par, row.parallel_path, outcome->save_error, row.sampling_speedup);
  }
  compare_view_->showComparison(outcome);
  if (!outcome->rows.empty()) {
    const ComparisonRow& last = outcome->rows.back();
    stats_panel_->showOutcome(last.parallel, last.sequential.result.stats.sampling_ms);
    preview_->setImage(last.parallel.image, tr("comparison finished \u00b7 DRiffusion image of seed %1").arg(last.seed));
  }
  progress_panel_->finish(tr("Comparison done (%1 seed(s))").arg(outcome->rows.size()));
  if (!outcome->save_error.isEmpty())
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("The comparison images could not be saved: %1\nThey are kept in the History tab.")
                             .arg(outcome->save_error));
  tabs_->setCurrentWidget(compare_view_);
  Q_EMIT comparisonShown(jobId);
}

void MainWindow::onJobFailed(int jobId, const QString& message, const QString& kind) {
  const QString what = kind == QLatin1String("input")
                           ? tr("The model or an input file cannot be used (model: %1)")
                                 .arg(QString::fromStdString(current_job_.settings.model))
                       : kind == QLatin1String("usage")  ? tr("A setting is not valid")
                       : kind == QLatin1String("device") ? tr("The device failed")
                       : kind == QLatin1String("io")     ? tr("A file could not be written")
                                                         : tr("Generation failed");
  banner_->showMessage(MessageBanner::Level::Error, tr("%1: %2").arg(what, readableErrorMessage(message)),
                       QStringLiteral("job"));
  progress_panel_->stop(tr("Failed (job %1)").arg(jobId));
  stats_panel_->endWithoutResult(tr("not measured: the job failed"));
  if (current_job_.kind == JobKind::Compare) compare_view_->setStatus(tr("The comparison failed: %1").arg(message));
}

void MainWindow::onJobCancelled(int jobId) {
  progress_panel_->stop(tr("Cancelled (job %1)").arg(jobId));
  stats_panel_->endWithoutResult(tr("not measured: the job was cancelled"));
  statusBar()->showMessage(tr("Job %1 cancelled").arg(jobId), 5000);
  if (current_job_.kind == JobKind::Compare) compare_view_->setStatus(tr("The comparison was cancelled."));
}

void MainWindow::onModelSelected(const QString& source) {
  app_settings_.setCurrentModel(source);
  if (source != settings_chosen_for_) settings_chosen_for_.clear();
  // Unknown until the engine answers: generating meanwhile queues behind the check.
  model_broken_ = false;
  updateGenerateEnabled();
  banner_->clearTopic(QStringLiteral("model"));
  const QString family = familyIdOfSource(source);
  if (!family.isEmpty()) showModelFamily(family);
  else model_family_.clear();  // the engine's description tells
  runner_->describeModel(source);
}

void MainWindow::showModelFamily(const QString& familyId) {
  model_family_ = familyId;
  const bool sdxl = SdxlPanel::isSdxlFamily(familyId);
  if (sdxl) sdxl_panel_->setFamily(familyId);
  sdxl_group_->setVisible(sdxl);
  sd3_group_->setVisible(Sd3Panel::isSd3Family(familyId));
  vae_picker_->setModelHasVae(familyHasVae(familyId));
  lora_picker_->setModelTakesLora(familyTakesLora(familyId));
}

void MainWindow::onModelDescribed(const QString& source, const ModelSummary& summary) {
  model_picker_->setModelReady(source, summary);
  if (source == model_picker_->currentSource()) {
    sampling_panel_->setModel(summary);
    parallelism_panel_->setConsistencyModel(summary.consistency_distilled);
    if (summary.consistency_distilled && source != settings_chosen_for_ && sampling_panel_->useConsistencySettings())
      statusBar()->showMessage(tr("%1 is LCM-distilled: switched to the LCM sampler, %2 steps, CFG %3")
                                   .arg(QString::fromStdString(summary.name))
                                   .arg(kConsistencySteps)
                                   .arg(kConsistencyGuidance),
                               10000);
    showModelFamily(familyIdOf(summary));
    vae_picker_->setModelHasVae(!summary.pixel_space);  // also for a model no family claims
    model_broken_ = false;
    updateGenerateEnabled();
    banner_->clearTopic(QStringLiteral("model"));
  }
  Q_EMIT modelStatusChanged(source, true);
}

void MainWindow::onModelFailed(const QString& source, const QString& message) {
  model_picker_->setModelFailed(source, message);
  if (source == ModelPicker::kBuiltin && model_picker_->currentSource() == ModelPicker::kBuiltin) {
    // The built-in model ships separately from the code; without it the app stays usable.
    banner_->showMessage(MessageBanner::Level::Warning,
                         tr("The built-in emoji model is not available (%1). Switched to the analytic demo model, "
                            "which knows the words red, green, blue and gold.")
                             .arg(message),
                         QStringLiteral("builtin"));
    model_picker_->setCurrentSource(ModelPicker::kAnalytic);
  } else if (source == model_picker_->currentSource()) {
    model_broken_ = true;
    updateGenerateEnabled();
    // The engine's message names the file already; say which entry of the list it is.
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("Cannot load the model “%1”: %2").arg(QFileInfo(source).fileName(), readableErrorMessage(message)),
                         QStringLiteral("model"));
  }
  Q_EMIT modelStatusChanged(source, false);
}

void MainWindow::onDevicesListed(const DeviceList& devices) {
  parallelism_panel_->setDevices(devices);
  sd3_panel_->setDevices(devices);
  if (pending_devices_) {
    parallelism_panel_->deviceModel()->setCheckedCudaDevices(*pending_devices_);
    pending_devices_.reset();
  }
  Q_EMIT devicesShown();
}

}  // namespace drf::ui
