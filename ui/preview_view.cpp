#include "ui/preview_view.h"

#include <QPainter>

namespace drf::ui {

PreviewView::PreviewView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void PreviewView::setImage(const QImage& image, const QString& caption) {
  image_ = image;
  caption_ = caption;
  ++updates_;
  update();
  Q_EMIT imageChanged();
}

void PreviewView::setPlaceholder(const QString& text) {
  image_ = QImage();
  caption_.clear();
  placeholder_ = text;
  update();
}

void PreviewView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base).darker(108));
  const int textFlags = Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap;
  const int captionHeight =
      caption_.isEmpty() ? 0 : fontMetrics().boundingRect(QRect(0, 0, width() - 8, height() / 3), textFlags, caption_).height() + 6;
  const QRect area = rect().adjusted(4, 4, -4, -4 - captionHeight);
  if (image_.isNull()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    return;
  }
  const QSize fitted = image_.size().scaled(area.size(), Qt::KeepAspectRatio);
  const QRect target(area.center() - QPoint(fitted.width() / 2, fitted.height() / 2), fitted);
  const bool enlarging = fitted.width() > image_.width();
  p.setRenderHint(QPainter::SmoothPixmapTransform, !enlarging || image_.width() > 256);
  p.drawImage(target, image_);
  if (captionHeight) {
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(4, height() - captionHeight + 3, width() - 8, captionHeight), textFlags, caption_);
  }
}

}  // namespace drf::ui
