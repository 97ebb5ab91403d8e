#include "ui/compare_view.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/job_description.h"
#include "ui/preview_view.h"

namespace drf::ui {
namespace {

QString secondsText(double ms) { return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 3); }
QString psnrText(double db) { return std::isinf(db) ? QStringLiteral("\u221e (identical)") : QStringLiteral("%1 dB").arg(db, 0, 'f', 2); }

QTableWidgetItem* cell(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
  return item;
}

}  // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent),
      seeds_(new QSpinBox),
      run_(new QPushButton(tr("Run comparison"))),
      heatmap_toggle_(new QCheckBox(tr("Difference heat map"))),
      status_(new QLabel),
      sequential_(new PreviewView),
      parallel_(new PreviewView),
      heatmap_(new PreviewView),
      metrics_(new QLabel),
      table_(new QTableWidget(0, 6)) {
  seeds_->setObjectName(QStringLiteral("compareSeedsSpin"));
  run_->setObjectName(QStringLiteral("runCompareButton"));
  heatmap_toggle_->setObjectName(QStringLiteral("heatmapCheck"));
  status_->setObjectName(QStringLiteral("compareStatus"));
  sequential_->setObjectName(QStringLiteral("compareSequentialView"));
  parallel_->setObjectName(QStringLiteral("compareParallelView"));
  heatmap_->setObjectName(QStringLiteral("compareHeatmapView"));
  metrics_->setObjectName(QStringLiteral("compareMetrics"));
  table_->setObjectName(QStringLiteral("compareTable"));

  seeds_->setRange(1, 32);
  seeds_->setPrefix(tr("seeds: "));
  seeds_->setToolTip(tr("Repeat the comparison over this many seeds (the seed field, then +1, +2, ...)"));
  heatmap_toggle_->setToolTip(tr("Show where the two images differ (white = a difference of 64/255 or more)"));
  table_->setToolTip(tr("One row per seed and their mean; select a row to see that seed"));
  run_->setToolTip(tr("Run the sequential sampler and the chosen DRiffusion configuration with the same seed"));
  status_->setText(tr("Compare runs the exact sequential sampler and your DRiffusion configuration with the same "
                      "seed and settings."));
  status_->setWordWrap(true);
  for (PreviewView* v : {sequential_, parallel_, heatmap_}) v->setPlaceholder(tr("No comparison yet"));
  heatmap_->setVisible(false);
  QFont bold = metrics_->font();
  bold.setBold(true);
  metrics_->setFont(bold);
  metrics_->setAlignment(Qt::AlignCenter);
  metrics_->setWordWrap(true);
  table_->setHorizontalHeaderLabels(
      {tr("Seed"), tr("Sequential"), tr("DRiffusion"), tr("Speedup"), tr("PSNR"), tr("SSIM")});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  // Stretched columns never get narrower than their titles: a narrow window scrolls the table
  // sideways instead of cutting "Sequential" to "equentia".
  int widestTitle = 0;
  for (int c = 0; c < table_->columnCount(); ++c)
    widestTitle = std::max(widestTitle, table_->horizontalHeader()->sectionSizeHint(c));
  table_->horizontalHeader()->setMinimumSectionSize(widestTitle);
  table_->verticalHeader()->setVisible(false);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setMaximumHeight(150);

  auto* bar = new QHBoxLayout;
  bar->addWidget(run_);
  bar->addWidget(seeds_);
  bar->addWidget(heatmap_toggle_);
  bar->addStretch();
  auto* images = new QHBoxLayout;
  images->addWidget(sequential_, 1);
  images->addWidget(parallel_, 1);
  images->addWidget(heatmap_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(status_);
  layout->addLayout(images, 1);
  layout->addWidget(metrics_);
  layout->addWidget(table_);

  connect(run_, &QPushButton::clicked, this, &CompareView::compareRequested);
  connect(heatmap_toggle_, &QCheckBox::toggled, heatmap_, &QWidget::setVisible);
  connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) {
    if (comparison_ && row >= 0 && row < static_cast<int>(comparison_->rows.size())) showRow(row);
  });
}

int CompareView::seedCount() const { return seeds_->value(); }
void CompareView::setSeedCount(int seeds) { seeds_->setValue(seeds); }
void CompareView::setStatus(const QString& text) { status_->setText(text); }
QString CompareView::statusText() const { return status_->text(); }
QString CompareView::metricsText() const { return metrics_->text(); }
void CompareView::setHeatmapVisible(bool visible) { heatmap_toggle_->setChecked(visible); }

void CompareView::showComparison(const ComparisonPtr& comparison) {
  comparison_ = comparison;
  if (!comparison_ || comparison_->rows.empty()) return;
  fillTable();
  showRow(0);
}

void CompareView::showRow(int index) {
  const ComparisonRow& row = comparison_->rows.at(index);
  const RunStats& seq = row.sequential.result.stats;
  const RunStats& par = row.parallel.result.stats;
  // The header names the seed of the row on screen, not the first one.
  GenerationSettings shown = comparison_->settings;
  shown.seed = row.seed;
  status_->setText(tr("%1, %2").arg(elidedPrompt(shown.prompt, 60), settingsSummary(shown)));
  sequential_->setImage(row.sequential.image, tr("Sequential: %1 (%2 latencies)").arg(secondsText(seq.total_ms)).arg(seq.serial_latencies));
  parallel_->setImage(row.parallel.image, tr("%1: %2, %3\u00d7 (%4 latencies)")
                                              .arg(modeSummary(row.parallel.result.settings), secondsText(par.total_ms))
                                              .arg(row.end_to_end_speedup, 0, 'f', 2)
                                              .arg(par.serial_latencies));
  heatmap_->setImage(row.heatmap, tr("|difference|, white = 64/255"));
  metrics_->setText(tr("Seed %1: speedup %2\u00d7 (sampling %3\u00d7, theory %4\u00d7) \u00b7 PSNR %5 \u00b7 SSIM %6")
                        .arg(row.seed)
                        .arg(row.end_to_end_speedup, 0, 'f', 2)
                        .arg(row.sampling_speedup, 0, 'f', 2)
                        .arg(par.theoretical_speedup, 0, 'f', 2)
                        .arg(psnrText(row.psnr))
                        .arg(row.ssim, 0, 'f', 4));
}

void CompareView::fillTable() {
  const QSignalBlocker block(table_);
  const auto& rows = comparison_->rows;
  table_->setRowCount(static_cast<int>(rows.size()) + (rows.size() > 1 ? 1 : 0));
  double seq = 0, par = 0;
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    const ComparisonRow& row = rows[r];
    table_->setItem(r, 0, cell(QString::number(row.seed)));
    table_->setItem(r, 1, cell(secondsText(row.sequential.result.stats.total_ms)));
    table_->setItem(r, 2, cell(secondsText(row.parallel.result.stats.total_ms)));
    table_->setItem(r, 3, cell(QStringLiteral("%1\u00d7").arg(row.end_to_end_speedup, 0, 'f', 2)));
    table_->setItem(r, 4, cell(psnrText(row.psnr)));
    table_->setItem(r, 5, cell(QString::number(row.ssim, 'f', 4)));
    seq += row.sequential.result.stats.total_ms;
    par += row.parallel.result.stats.total_ms;
  }
  if (rows.size() > 1) {
    // Means as core/engine/comparison.h summarizes them (the CLI prints the same numbers).
    const ComparisonSummary& s = comparison_->summary;
    const int r = static_cast<int>(rows.size());
    const double n = static_cast<double>(rows.size());
    table_->setItem(r, 0, cell(tr("mean")));
    table_->setItem(r, 1, cell(secondsText(seq / n)));
    table_->setItem(r, 2, cell(secondsText(par / n)));
    table_->setItem(r, 3, cell(QStringLiteral("%1\u00d7").arg(s.mean_end_to_end_speedup, 0, 'f', 2)));
    QString psnr = psnrText(s.mean_psnr);
    if (s.identical_runs > 0 && s.identical_runs < s.runs) psnr += tr(" (%1 identical)").arg(s.identical_runs);
    table_->setItem(r, 4, cell(psnr));
    table_->setItem(r, 5, cell(QString::number(s.mean_ssim, 'f', 4)));
  }
  table_->setCurrentCell(0, 0);
}

}  // namespace drf::ui
