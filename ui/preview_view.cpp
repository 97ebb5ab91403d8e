#include "ui/preview_view.h"

#include <QApplication>
#include <QDrag>
#include <QKeyEvent>
#include <QMimeData>
#include <QUrl>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>

namespace drf::ui {
namespace {

constexpr double kMinZoom = 0.05, kMaxZoom = 32.0, kZoomStep = 1.25;

}  // namespace

PreviewView::PreviewView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setFocusPolicy(Qt::ClickFocus);  // the zoom keys after a click on the image
  setToolTip(tr("Ctrl+wheel or +/- zoom, 0 fits, 1 shows actual pixels, drag pans; right-click for more"));
}

void PreviewView::setImage(const QImage& image, const QString& caption) {
  // A new size (another model) starts fitted; the next round of the same job keeps the zoom.
  if (image.size() != image_.size()) {
    zoom_ = 0;
    pan_ = {};
  }
  image_ = image;
  caption_ = caption;
  file_path_.clear();  // a new image has no file until told
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

void PreviewView::setZoom(double zoom) {
  zoom_ = zoom <= 0 ? 0 : std::clamp(zoom, kMinZoom, kMaxZoom);
  if (zoom_ == 0) pan_ = {};
  update();
}

QRect PreviewView::imageArea() const {
  const int textFlags = Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap;
  const int captionHeight =
      caption_.isEmpty() ? 0 : fontMetrics().boundingRect(QRect(0, 0, width() - 8, height() / 3), textFlags, caption_).height() + 6;
  return rect().adjusted(4, 4, -4, -4 - captionHeight);
}

double PreviewView::effectiveScale() const {
  if (image_.isNull()) return 0;
  if (zoom_ > 0) return zoom_;
  const QSize fitted = image_.size().scaled(imageArea().size(), Qt::KeepAspectRatio);
  return static_cast<double>(fitted.width()) / image_.width();
}

QRect PreviewView::imageRect() const {
  if (image_.isNull()) return {};
  const QRect area = imageArea();
  const QSize size = zoom_ > 0 ? (QSizeF(image_.size()) * zoom_).toSize() : image_.size().scaled(area.size(), Qt::KeepAspectRatio);
  const QPointF centre = QPointF(area.center()) + (zoom_ > 0 ? pan_ : QPointF());
  return QRect((centre - QPointF(size.width() / 2.0, size.height() / 2.0)).toPoint(), size);
}

void PreviewView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base).darker(108));
  const QRect area = imageArea();
  if (image_.isNull()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    return;
  }
  const QRect target = imageRect();
  const bool enlarging = target.width() > image_.width();
  p.setRenderHint(QPainter::SmoothPixmapTransform, !enlarging || (zoom_ == 0 && image_.width() > 256));
  p.save();
  p.setClipRect(area);
  p.drawImage(target, image_);
  p.restore();
  if (area.bottom() < height() - 5) {
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(4, area.bottom() + 4, width() - 8, height() - area.bottom() - 4),
               Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, caption_);
  }
}

void PreviewView::wheelEvent(QWheelEvent* event) {
  // The plain wheel belongs to what is around (scrolling); Ctrl+wheel zooms, as in image viewers.
  if (image_.isNull() || !(event->modifiers() & Qt::ControlModifier) || event->angleDelta().y() == 0) {
    event->ignore();
    return;
  }
  const double current = effectiveScale();
  setZoom(event->angleDelta().y() > 0 ? current * kZoomStep : current / kZoomStep);
  event->accept();
}

void PreviewView::keyPressEvent(QKeyEvent* event) {
  if (image_.isNull()) return QWidget::keyPressEvent(event);
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: setZoom(effectiveScale() * kZoomStep); break;
    case Qt::Key_Minus: setZoom(effectiveScale() / kZoomStep); break;
    case Qt::Key_0: setZoom(0); break;
    case Qt::Key_1: setZoom(1); break;
    default: return QWidget::keyPressEvent(event);
  }
  event->accept();
}

void PreviewView::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) drag_start_ = event->position().toPoint();
  QWidget::mousePressEvent(event);
}

QMimeData* PreviewView::dragData() const {
  if (image_.isNull()) return nullptr;
  auto* mime = new QMimeData;
  mime->setImageData(image_);
  if (!file_path_.isEmpty()) mime->setUrls({QUrl::fromLocalFile(file_path_)});  // file managers, browsers
  return mime;
}

void PreviewView::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton)) return QWidget::mouseMoveEvent(event);
  if (zoom_ == 0) {
    // A fitted image has nothing to pan: dragging takes it out to another app.
    if ((event->position().toPoint() - drag_start_).manhattanLength() < QApplication::startDragDistance()) return;
    if (QMimeData* mime = dragData()) {
      auto* drag = new QDrag(this);
      drag->setMimeData(mime);
      drag->setPixmap(QPixmap::fromImage(image_.scaled(96, 96, Qt::KeepAspectRatio)));
      drag->exec(Qt::CopyAction);
    }
    return;
  }
  pan_ += event->position() - QPointF(drag_start_);
  drag_start_ = event->position().toPoint();
  update();
}

void PreviewView::mouseDoubleClickEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || image_.isNull()) return QWidget::mouseDoubleClickEvent(event);
  setZoom(zoom_ == 0 ? 1 : 0);
}

}  // namespace drf::ui
