// Plain data passed between the GUI thread and the generation worker thread through queued
// signals. Images are QImage (implicitly shared, safe to create off the GUI thread); finished
// results travel as shared pointers so a large image is never copied per connection.
#pragma once
#include <QImage>
#include <QList>
#include <QStringList>
#include <QMetaType>
#include <QString>
#include <memory>
#include <vector>

#include "core/engine/comparison.h"
#include "core/engine/engine.h"
#include "core/engine/result.h"
#include "core/engine/settings.h"

namespace drf::ui {

enum class JobKind { Generate, Compare };

// One entry of the job queue.
struct JobRequest {
  int id = 0;
  JobKind kind = JobKind::Generate;
  GenerationSettings settings;
  int compare_seeds = 1;  // Compare: how many seeds (settings.seed, seed+1, ...)
  QString output_folder;  // where results are saved; empty = do not save
};

// Everything a non-terminal engine event carries, converted for the GUI.
struct JobProgress {
  int job_id = 0;
  JobEventKind kind = JobEventKind::Started;
  QString stage;  // Compare: "sequential, seed 2 of 3"; empty for a plain generation
  int round = 0, rounds_total = 0;
  int steps_done = 0, steps_total = 0;
  int latencies_done = 0, latencies_total = 0;
  double elapsed_ms = 0;
  QImage preview;         // refined state after this round
  QList<QImage> drafts;   // this round's drafts
  std::vector<DeviceRoundTiming> timings;
  QString message;        // TextEncoded: a warning such as a truncated prompt
  Mode mode = Mode::Sequential;  // of this (sub-)run: a comparison runs sequential first
  int width = 1;
};

// A finished generation plus the per-round timings recorded while it ran.
struct GenerationOutcome {
  GenerationResult result;
  QImage image;
  std::vector<std::vector<DeviceRoundTiming>> timeline;  // one entry per round
  QString saved_path;  // the file written in the output folder; empty when not saved
  QString save_error;  // why it was not saved (the image stays in the history)
};
using OutcomePtr = std::shared_ptr<const GenerationOutcome>;

// One seed of a comparison: the sequential reference and the chosen configuration.
struct ComparisonRow {
  std::uint64_t seed = 0;
  GenerationOutcome sequential;
  GenerationOutcome parallel;
  QImage heatmap;
  double psnr = 0;   // dB; +inf when identical
  double ssim = 0;
  double sampling_speedup = 0;    // sequential sampling time / DRiffusion sampling time
  double end_to_end_speedup = 0;  // the same for the total time
  QString sequential_path, parallel_path, heatmap_path;  // files written; empty when not saved
};

struct ComparisonOutcome {
  GenerationSettings settings;  // the DRiffusion configuration compared against sequential
  std::vector<ComparisonRow> rows;
  ComparisonSummary summary;
  QString save_error;  // why the images were not (all) saved
};
using ComparisonPtr = std::shared_ptr<const ComparisonOutcome>;

using DeviceList = std::vector<DeviceInfo>;

// Registers the types above for queued connections; idempotent.
void registerJobMetaTypes();

}  // namespace drf::ui

Q_DECLARE_METATYPE(drf::ui::JobRequest)
Q_DECLARE_METATYPE(drf::ui::JobProgress)
Q_DECLARE_METATYPE(drf::ui::OutcomePtr)
Q_DECLARE_METATYPE(drf::ui::ComparisonPtr)
Q_DECLARE_METATYPE(drf::ui::DeviceList)
Q_DECLARE_METATYPE(drf::ModelSummary)
Q_DECLARE_METATYPE(drf::GenerationSettings)
