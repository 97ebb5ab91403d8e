#include "ui/draft_strip.h"

#include <QPainter>

namespace drf::ui {

DraftStrip::DraftStrip(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setFixedHeight(110);
  setToolTip(tr("Draft states of the last round: skip transitions from the anchor, evaluated in parallel"));
}

void DraftStrip::setDrafts(const QList<QImage>& drafts, const QList<int>& steps) {
  drafts_ = drafts;
  steps_ = steps;
  update();
}

void DraftStrip::clear() {
  drafts_.clear();
  update();
}

void DraftStrip::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Window));
  const int label = fontMetrics().height() + 2;
  if (drafts_.isEmpty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, tr("Drafts of each round appear here (DRiffusion modes)"));
    return;
  }
  const int side = std::max(16, height() - label - 6);
  const int gap = 6;
  int x = 4;
  for (int j = 0; j < drafts_.size() && x + side <= width(); ++j, x += side + gap) {
    const QRect cell(x, 3, side, side);
    const QImage& img = drafts_.at(j);
    if (!img.isNull()) {
      p.setRenderHint(QPainter::SmoothPixmapTransform, img.width() > side);
      p.drawImage(cell, img);
    }
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(cell.adjusted(0, 0, -1, -1));
    p.setPen(palette().color(QPalette::Text));
    const QString text = j < steps_.size() ? tr("step %1").arg(steps_.at(j)) : tr("draft %1").arg(j + 1);
    p.drawText(QRect(x - gap / 2, 3 + side, side + gap, label), Qt::AlignCenter, text);
  }
}

}  // namespace drf::ui
