#include "ui/timeline_chart.h"

#include <QPainter>
#include <algorithm>
#include <map>

namespace drf::ui {
namespace {

double roundMs(const DeviceRoundTiming& t) { return t.eval_ms + t.comm_ms + t.refine_ms + t.idle_ms; }

double slowest(const TimelineChart::Round& r) {
  double m = 0;
  for (const auto& t : r) m = std::max(m, roundMs(t));
  return m;
}

struct Segment {
  const char* label;
  QColor color;
};
const Segment kSegments[] = {{"evaluation", QColor(66, 133, 244)},
                             {"communication", QColor(244, 160, 0)},
                             {"refine", QColor(52, 168, 83)},
                             {"idle", QColor(189, 189, 189)}};

}  // namespace

TimelineChart::TimelineChart(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("timelineChart"));
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void TimelineChart::setRounds(const std::vector<Round>& rounds) {
  rounds_ = rounds;
  update();
}

void TimelineChart::appendRound(const Round& round) {
  rounds_.push_back(round);
  update();
}

void TimelineChart::clear() {
  rounds_.clear();
  update();
}

int TimelineChart::deviceCount() const {
  int n = 0;
  for (const auto& r : rounds_)
    for (const auto& t : r) n = std::max(n, t.device + 1);
  return n;
}

double TimelineChart::totalMs() const {
  double sum = 0;
  for (const auto& r : rounds_) sum += slowest(r);
  return sum;
}

void TimelineChart::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  const QFontMetrics fm = fontMetrics();
  const int devices = deviceCount();
  const double total = totalMs();
  if (devices == 0 || total <= 0) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("Per-device timeline of the rounds appears here"));
    return;
  }
  // Device names from the first round that mentions each device.
  std::map<int, QString> names;
  for (const auto& r : rounds_)
    for (const auto& t : r) names.emplace(t.device, QString::fromStdString(t.name));
  int gutter = 0;
  for (const auto& [d, n] : names) gutter = std::max(gutter, fm.horizontalAdvance(n));
  gutter += 10;

  const std::vector<QRect> legend = legendRects();
  const int legendH = height() - legend.front().top(), axisH = fm.height() + 4;
  const QRect plot(gutter, 4, width() - gutter - 8, height() - legendH - axisH - 8);
  const double rowH = static_cast<double>(plot.height()) / devices;
  const double scale = plot.width() / total;

  double start = 0;
  for (const auto& r : rounds_) {
    for (const auto& t : r) {
      const double y = plot.top() + t.device * rowH + rowH * 0.15;
      double x = plot.left() + start * scale;
      const double parts[] = {t.eval_ms, t.comm_ms, t.refine_ms, t.idle_ms};
      for (int k = 0; k < 4; ++k) {
        const double w = parts[k] * scale;
        if (w > 0) p.fillRect(QRectF(x, y, w, rowH * 0.7), kSegments[k].color);
        x += w;
      }
    }
    start += slowest(r);
    p.setPen(QPen(palette().color(QPalette::Base), 1));  // thin gap marks each round's barrier
    const double xb = plot.left() + start * scale;
    p.drawLine(QPointF(xb, plot.top()), QPointF(xb, plot.bottom()));
  }
  p.setPen(palette().color(QPalette::Text));
  for (const auto& [d, n] : names)
    p.drawText(QRectF(0, plot.top() + d * rowH, gutter - 6, rowH), Qt::AlignRight | Qt::AlignVCenter, n);
  const QString axis = tr("%1 rounds, %2 ms").arg(rounds_.size()).arg(total, 0, 'f', 1);
  p.drawText(QRect(plot.left(), plot.bottom() + 2, plot.width(), axisH), Qt::AlignRight | Qt::AlignVCenter, axis);
  p.drawText(QRect(plot.left(), plot.bottom() + 2, plot.width(), axisH), Qt::AlignLeft | Qt::AlignVCenter,
             QStringLiteral("0 ms"));

  for (std::size_t k = 0; k < legend.size(); ++k) {
    const QRect& r = legend[k];
    p.fillRect(QRect(r.left(), r.top() + (r.height() - 10) / 2, 10, 10), kSegments[k].color);
    p.drawText(r.adjusted(14, 0, 0, 0), Qt::AlignVCenter, tr(kSegments[k].label));
  }
}

std::vector<QRect> TimelineChart::legendRects() const {
  const QFontMetrics fm = fontMetrics();
  const int lineH = fm.height() + 6;
  std::vector<QRect> rects;
  int x = 4, line = 0;
  for (const Segment& s : kSegments) {
    const int w = 14 + fm.horizontalAdvance(tr(s.label)) + 4;
    if (x > 4 && x + w > width() - 4) {  // next line
      x = 4;
      ++line;
    }
    rects.emplace_back(x, line * lineH, w, lineH);
    x += w + 10;
  }
  // Bottom-aligned: move every line down so the last one ends at the widget's bottom.
  const int shift = height() - (line + 1) * lineH;
  for (QRect& r : rects) r.translate(0, shift);
  return rects;
}

}  // namespace drf::ui
