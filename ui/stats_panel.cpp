#include "ui/stats_panel.h"

#include <QFormLayout>
#include <QLabel>
#include <QStringList>
#include <QVBoxLayout>

#include "core/sampling/draft_plan.h"
#include "ui/timeline_chart.h"

namespace drf::ui {
namespace {

QLabel* valueLabel(const char* objectName) {
  auto* l = new QLabel(QStringLiteral("-"));
  l->setObjectName(QLatin1String(objectName));
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  l->setWordWrap(true);
  return l;
}

QString seconds(double ms) { return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', ms < 10000 ? 3 : 1); }

}  // namespace

StatsPanel::StatsPanel(QWidget* parent)
    : QWidget(parent),
      form_(new QFormLayout),
      steps_per_second_(valueLabel("statsStepsPerSecond")),
      latencies_(valueLabel("statsLatencies")),
      theoretical_(valueLabel("statsTheoreticalSpeedup")),
      measured_(valueLabel("statsMeasuredSpeedup")),
      phases_(valueLabel("statsPhases")),
      devices_(valueLabel("statsDevices")),
      drafts_per_call_(valueLabel("statsDraftsPerCall")),
      timeline_(new TimelineChart) {
  form_->addRow(tr("Steps per second"), steps_per_second_);
  form_->addRow(tr("Serial network latencies"), latencies_);
  form_->addRow(tr("Theoretical speedup"), theoretical_);
  form_->addRow(tr("Measured speedup"), measured_);
  form_->addRow(tr("Times"), phases_);
  form_->addRow(tr("Devices"), devices_);
  form_->addRow(tr("Drafts per network call"), drafts_per_call_);
  form_->setRowVisible(drafts_per_call_, false);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form_);
  layout->addWidget(timeline_, 1);
  drafts_per_call_->setToolTip(tr("Most drafts one network call may evaluate under the draft memory budget; "
                                  "a round with more drafts per GPU runs the rest in further calls"));
  measured_->setToolTip(tr("Sampling time of a sequential run with the same model, size, steps, sampler, "
                           "guidance and devices, divided by this run's sampling time"));
}

void StatsPanel::startRun(const GenerationSettings& s) {
  timeline_->clear();
  steps_per_second_->setText(QStringLiteral("-"));
  try {
    const DraftPlan plan = plan_draft_refine(s.steps, s.width, s.mode, effective_warmup(s));
    latencies_->setText(tr("0 of %1 planned (sequential: %2)").arg(plan.serial_latencies()).arg(s.steps));
    theoretical_->setText(QStringLiteral("%1\u00d7").arg(plan.theoretical_speedup(), 0, 'f', 2));
  } catch (const std::exception&) {
    latencies_->setText(QStringLiteral("-"));
    theoretical_->setText(QStringLiteral("-"));
  }
  measured_->setText(tr("running..."));
  phases_->setText(QStringLiteral("-"));
  devices_->setText(QStringLiteral("-"));
  form_->setRowVisible(drafts_per_call_, false);
}

void StatsPanel::updateProgress(const JobProgress& p) {
  if (p.kind != JobEventKind::RoundDone) return;
  timeline_->appendRound(p.timings);
  if (p.elapsed_ms > 0) steps_per_second_->setText(tr("%1 (so far)").arg(p.steps_done * 1000.0 / p.elapsed_ms, 0, 'f', 1));
  latencies_->setText(tr("%1 of %2 planned (sequential: %3)").arg(p.latencies_done).arg(p.latencies_total).arg(p.steps_total));
  QStringList names;
  for (const auto& t : p.timings) names << QString::fromStdString(t.name);
  if (!names.isEmpty()) devices_->setText(names.join(QStringLiteral(", ")));
}

void StatsPanel::showOutcome(const GenerationOutcome& outcome, std::optional<double> baselineMs) {
  const RunStats& st = outcome.result.stats;
  timeline_->setRounds(outcome.timeline);
  steps_per_second_->setText(st.sampling_ms > 0 ? QString::number(st.steps * 1000.0 / st.sampling_ms, 'f', 1)
                                                : QStringLiteral("-"));
  latencies_->setText(tr("%1 used vs %2 sequential (%3 rounds)")
                          .arg(st.serial_latencies)
                          .arg(st.sequential_latencies)
                          .arg(st.rounds));
  theoretical_->setText(QStringLiteral("%1\u00d7").arg(st.theoretical_speedup, 0, 'f', 2));
  if (outcome.result.settings.mode == Mode::Sequential)
    measured_->setText(tr("1.00\u00d7 (this is the sequential reference)"));
  else if (baselineMs && st.sampling_ms > 0)
    measured_->setText(tr("%1\u00d7 (sequential sampling took %2)")
                           .arg(*baselineMs / st.sampling_ms, 0, 'f', 2)
                           .arg(seconds(*baselineMs)));
  else
    measured_->setText(tr("unknown: run Compare, or a sequential generation with the same settings"));
  phases_->setText(tr("text %1, sampling %2, decode %3, total %4")
                       .arg(seconds(st.text_encode_ms), seconds(st.sampling_ms), seconds(st.decode_ms),
                            seconds(st.total_ms)));
  QStringList names;
  for (const auto& d : st.devices) names << QString::fromStdString(d);
  devices_->setText(names.join(QStringLiteral(", ")));
  // 0: no limit applied (sequential, no budget, or a model without a memory estimate).
  if (st.max_states_per_call > 0) drafts_per_call_->setText(tr("%1 (draft memory limit)").arg(st.max_states_per_call));
  form_->setRowVisible(drafts_per_call_, st.max_states_per_call > 0);
}

void StatsPanel::endWithoutResult(const QString& reason) {
  steps_per_second_->setText(QStringLiteral("-"));
  measured_->setText(reason);
  // The latencies line keeps "k of N planned": how far the run got is still true.
}

QString StatsPanel::stepsPerSecondText() const { return steps_per_second_->text(); }
QString StatsPanel::measuredSpeedupText() const { return measured_->text(); }
QString StatsPanel::latencyText() const { return latencies_->text(); }

}  // namespace drf::ui
