#include "ui/generation_controller.h"

#include <QDir>
#include <exception>
#include <new>

#include "core/engine/comparison.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "ui/error_text.h"
#include "ui/image_conversion.h"
#include "ui/result_files.h"

namespace drf::ui {

GenerationController::GenerationController(QObject* parent) : QObject(parent) { registerJobMetaTypes(); }

GenerationController::~GenerationController() = default;

void GenerationController::requestCancel(int jobId) {
  // Either order of this and runJob()'s start leaves cancel_ set for the job (see runJob).
  cancel_requested_for_.store(jobId);
  if (running_job_.load() == jobId) cancel_.store(true);
}

void GenerationController::runJob(const JobRequest& job) {
  cancel_.store(false);
  running_job_.store(job.id);
  if (cancel_requested_for_.load() == job.id) cancel_.store(true);
  try {
    if (job.kind == JobKind::Compare)
      runComparison(job);
    else
      runGeneration(job);
  } catch (const Cancelled&) {
    Q_EMIT jobCancelled(job.id);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Cancelled)
      Q_EMIT jobCancelled(job.id);
    else
      Q_EMIT jobFailed(job.id, QString::fromStdString(e.what()), QString::fromLatin1(error_kind_name(e.kind())));
  } catch (const std::bad_alloc&) {
    Q_EMIT jobFailed(job.id, tr("out of host memory: try a smaller image size or width"), QStringLiteral("device"));
  } catch (const std::exception& e) {
    // The first line in words: a LibTorch error carries a C++ stack of dozens of frames.
    const QString message = readableErrorMessage(QString::fromStdString(e.what()));
    logger("ui")->error("job {} failed: {}", job.id, message.toStdString());
    Q_EMIT jobFailed(job.id, message, QStringLiteral("internal"));
  } catch (...) {
    Q_EMIT jobFailed(job.id, tr("unknown error"), QStringLiteral("internal"));
  }
  running_job_.store(0);
  Q_EMIT jobEnded(job.id);
}

JobProgress GenerationController::toProgress(int jobId, const JobEvent& e, const QString& stage,
                                             const GenerationSettings& settings) {
  JobProgress p;
  p.job_id = jobId;
  p.kind = e.kind;
  p.stage = stage;
  p.round = e.round;
  p.rounds_total = e.rounds_total;
  p.steps_done = e.steps_done;
  p.steps_total = e.steps_total;
  p.latencies_done = e.latencies_done;
  p.latencies_total = e.latencies_total;
  p.elapsed_ms = e.elapsed_ms;
  p.preview = toQImage(e.preview);
  for (const RgbImage& d : e.drafts) p.drafts.append(toQImage(d));
  p.timings = e.timings;
  p.message = QString::fromStdString(e.message);
  p.mode = settings.mode;
  p.width = settings.width;
  return p;
}

void GenerationController::runGeneration(const JobRequest& job) {
  auto outcome = std::make_shared<GenerationOutcome>();
  auto observer = [&](const JobEvent& e) {
    // Failed and Cancelled arrive again as the exception generate() throws.
    if (e.kind == JobEventKind::Failed || e.kind == JobEventKind::Cancelled) return;
    if (e.kind == JobEventKind::RoundDone) outcome->timeline.push_back(e.timings);
    Q_EMIT jobProgress(toProgress(job.id, e, QString(), job.settings));
  };
  outcome->result = engine_.generate(job.settings, observer, &cancel_);
  outcome->image = toQImage(outcome->result.image);
  if (!job.output_folder.isEmpty()) {
    // A failed save does not fail the job: the image goes to the history and can be saved
    // elsewhere from there.
    try {
      outcome->saved_path = saveNumbered(outcome->result, job.output_folder, QString::number(job.settings.seed));
      logger("ui")->info("saved {}", outcome->saved_path.toStdString());
    } catch (const std::exception& e) {
      outcome->save_error = QString::fromStdString(e.what());
      logger("ui")->error("could not save the image: {}", e.what());
    }
  }
  Q_EMIT generationFinished(job.id, outcome);
}

void GenerationController::runComparison(const JobRequest& job) {
  // core/engine/comparison.h runs the pairs (after a short warm-up of both configurations) and
  // measures them; this side adds the per-round timelines, the previews and the files.
  ComparisonRequest request;
  request.settings = job.settings;
  const int seeds = std::max(1, job.compare_seeds);
  for (int k = 0; k < seeds; ++k) request.seeds.push_back(job.settings.seed + static_cast<std::uint64_t>(k));
  GenerationSettings sequential = job.settings;
  sequential.mode = Mode::Sequential;
  sequential.width = 1;

  std::vector<std::vector<DeviceRoundTiming>> timeline_seq, timeline_par;
  auto observer = [&](const ComparisonProgress& c, const JobEvent& e) {
    if (e.kind == JobEventKind::Failed || e.kind == JobEventKind::Cancelled) return;
    const QString of = tr("seed %1 of %2").arg(c.seed_index + 1).arg(c.seed_count);
    if (c.phase == ComparisonPhase::Warmup) {
      // Short unmeasured runs: report that they happen, keep the preview for the real ones.
      if (e.kind == JobEventKind::Started) Q_EMIT jobProgress(toProgress(job.id, e, tr("warm-up"), job.settings));
      return;
    }
    const bool seq = c.phase == ComparisonPhase::Sequential;
    auto& timeline = seq ? timeline_seq : timeline_par;
    if (e.kind == JobEventKind::Started) timeline.clear();
    if (e.kind == JobEventKind::RoundDone) timeline.push_back(e.timings);
    const QString stage = seq ? tr("sequential, %1").arg(of)
                              : tr("%1, %2").arg(QString::fromLatin1(mode_name(job.settings.mode)), of);
    Q_EMIT jobProgress(toProgress(job.id, e, stage, seq ? sequential : job.settings));
  };
  auto outcome = std::make_shared<ComparisonOutcome>();
  outcome->settings = job.settings;
  const QString folder = job.output_folder.isEmpty() ? QString() : QDir(job.output_folder).filePath(QStringLiteral("compare"));
  auto onSeed = [&](const SeedComparison& c) {
    ComparisonRow row;
    row.seed = c.seed;
    row.sequential.result = c.sequential;
    row.sequential.image = toQImage(c.sequential.image);
    row.sequential.timeline = timeline_seq;
    row.parallel.result = c.parallel;
    row.parallel.image = toQImage(c.parallel.image);
    row.parallel.timeline = timeline_par;
    row.heatmap = toQImage(c.heatmap);
    row.psnr = c.psnr;
    row.ssim = c.ssim;
    row.sampling_speedup = c.sampling_speedup;
    row.end_to_end_speedup = c.end_to_end_speedup;
    if (!folder.isEmpty() && outcome->save_error.isEmpty()) saveComparisonRow(row, c, folder, outcome->save_error);
    outcome->rows.push_back(std::move(row));
  };
  outcome->summary = compare_with_sequential(engine_, request, observer, &cancel_, onSeed).summary;
  Q_EMIT comparisonFinished(job.id, outcome);
}

void GenerationController::saveComparisonRow(ComparisonRow& row, const SeedComparison& c, const QString& folder,
                                             QString& error) {
  try {
    const QString seed = QString::number(row.seed);
    const QString mode = QStringLiteral("%1-w%2")
                             .arg(QString::fromLatin1(mode_name(c.parallel.settings.mode)))
                             .arg(c.parallel.settings.width);
    row.sequential_path = saveNumbered(c.sequential, folder, seed + QStringLiteral("-sequential"));
    row.parallel_path = saveNumbered(c.parallel, folder, seed + QLatin1Char('-') + mode, c.sampling_speedup);
    row.heatmap_path = saveNumberedPlain(
        c.heatmap, folder, seed + QStringLiteral("-difference"),
        tr("|sequential - %1|, white = 64/255; PSNR %2 dB, SSIM %3").arg(mode).arg(c.psnr).arg(c.ssim));
  } catch (const std::exception& e) {
    // Later seeds are not saved either; the images stay in the history.
    error = QString::fromStdString(e.what());
    logger("ui")->error("could not save the comparison images: {}", e.what());
  }
}

void GenerationController::describeModel(const QString& source) {
  try {
    const ModelSummary summary = engine_.describe_model(source.toStdString());
    Q_EMIT modelDescribed(source, summary);
  } catch (const std::exception& e) {
    Q_EMIT modelFailed(source, QString::fromStdString(e.what()));
  } catch (...) {
    Q_EMIT modelFailed(source, tr("unknown error"));
  }
}

void GenerationController::listDevices() {
  try {
    Q_EMIT devicesListed(Engine::devices());
  } catch (const std::exception& e) {
    logger("ui")->error("listing devices failed: {}", e.what());
    DeviceInfo cpu;
    cpu.index = -1;
    cpu.name = "CPU";
    Q_EMIT devicesListed(DeviceList{cpu});
  }
}

}  // namespace drf::ui
