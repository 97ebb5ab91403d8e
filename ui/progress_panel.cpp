#include "ui/progress_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>

namespace drf::ui {
namespace {

QString duration(double ms) {
  if (ms < 60000) return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
  const int s = static_cast<int>(ms / 1000);
  return QStringLiteral("%1:%2 min").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

ProgressPanel::ProgressPanel(QWidget* parent) : QWidget(parent), bar_(new QProgressBar), status_(new QLabel) {
  bar_->setObjectName(QStringLiteral("progressBar"));
  status_->setObjectName(QStringLiteral("progressStatus"));
  bar_->setRange(0, 1);
  bar_->setValue(0);
  bar_->setFormat(QString());  // idle: no "0 / 1 steps"
  bar_->setMinimumWidth(160);
  // Its texts change every round; wrapping (never widening) keeps the splitter where it is.
  status_->setWordWrap(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(bar_, 1);
  layout->addWidget(status_, 2);
  status_->setText(tr("Ready"));
}

void ProgressPanel::start(const QString& what) {
  running_ = true;
  first_round_ms_ = -1;
  first_round_latencies_ = 0;
  bar_->setFormat(tr("%v / %m steps"));
  bar_->setRange(0, 0);  // busy indicator until the step count is known
  status_->setText(tr("%1: loading model...").arg(what));
}

void ProgressPanel::update(const JobProgress& p) {
  const QString stage = p.stage.isEmpty() ? QString() : p.stage + QStringLiteral(": ");
  switch (p.kind) {
    case JobEventKind::Started:  // also each run of a comparison: its own clock and rate
      first_round_ms_ = -1;
      first_round_latencies_ = 0;
      status_->setText(stage + tr("loading model..."));
      break;
    case JobEventKind::TextEncoded:
      bar_->setRange(0, std::max(1, p.steps_total));
      bar_->setValue(0);
      status_->setText(stage + tr("prompt encoded, sampling..."));
      break;
    case JobEventKind::RoundDone: {
      bar_->setRange(0, std::max(1, p.steps_total));
      bar_->setValue(p.steps_done);
      if (first_round_ms_ < 0) {
        first_round_ms_ = p.elapsed_ms;
        first_round_latencies_ = p.latencies_done;
      }
      QString remaining = QStringLiteral("?");
      const int since_first = p.latencies_done - first_round_latencies_;
      if (since_first > 0 && p.latencies_total >= p.latencies_done)
        remaining = duration((p.elapsed_ms - first_round_ms_) / since_first * (p.latencies_total - p.latencies_done));
      else if (p.latencies_done == p.latencies_total)
        remaining = duration(0);
      status_->setText(stage + tr("step %1/%2, round %3/%4, %5 elapsed, ~%6 left")
                                   .arg(p.steps_done)
                                   .arg(p.steps_total)
                                   .arg(p.round)
                                   .arg(p.rounds_total)
                                   .arg(duration(p.elapsed_ms), remaining));
      break;
    }
    case JobEventKind::Decoding:
      bar_->setRange(0, std::max(1, p.steps_total));
      bar_->setValue(p.steps_total);
      status_->setText(stage + tr("decoding..."));
      break;
    default: break;
  }
}

void ProgressPanel::finish(const QString& message) {
  running_ = false;
  if (bar_->maximum() == 0) bar_->setRange(0, 1);  // never left the busy indicator
  bar_->setValue(bar_->maximum());
  status_->setText(message);
}

void ProgressPanel::stop(const QString& message) {
  running_ = false;
  bar_->setFormat(QString());  // not "0 / 1 steps": the step count of a stopped job means nothing
  bar_->setRange(0, 1);
  bar_->setValue(0);
  status_->setText(message);
}

QString ProgressPanel::barText() const { return bar_->text(); }

int ProgressPanel::percent() const {
  if (!running_ || bar_->maximum() <= 0) return -1;
  return static_cast<int>(100.0 * bar_->value() / bar_->maximum());
}

QString ProgressPanel::statusText() const { return status_->text(); }
int ProgressPanel::value() const { return bar_->value(); }
int ProgressPanel::maximum() const { return bar_->maximum(); }

}  // namespace drf::ui
