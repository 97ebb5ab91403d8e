// Shows one image scaled to fit, keeping its aspect ratio, with a caption underneath. Small
// images (pixel-art previews) are enlarged without smoothing so their pixels stay visible.
// Zoom: Ctrl+wheel, + and -; 0 fits, 1 shows actual pixels, a double click toggles the two;
// dragging pans a zoomed image; dragging a fitted image drags it out to other apps (the image,
// and its file when it has one).
#pragma once
#include <QImage>
#include <QWidget>

class QMimeData;

namespace drf::ui {

class PreviewView : public QWidget {
  Q_OBJECT
 public:
  explicit PreviewView(QWidget* parent = nullptr);

  void setImage(const QImage& image, const QString& caption = QString());
  void setPlaceholder(const QString& text);  // clears the image
  const QImage& image() const { return image_; }
  QString caption() const { return caption_; }
  int updateCount() const { return updates_; }  // images shown since construction
  // 0 = fit the view (the default); otherwise screen pixels per image pixel.
  void setZoom(double zoom);
  double zoom() const { return zoom_; }
  double effectiveScale() const;  // the scale on screen, also when fitting
  QRect imageRect() const;        // where the image is drawn (may exceed the view when zoomed)
  // The file the shown image was saved as (empty: not saved); set with the image.
  void setFilePath(const QString& path) { file_path_ = path; }
  QString filePath() const { return file_path_; }
  QMimeData* dragData() const;  // what dragging the image out carries; nullptr without an image

  QSize sizeHint() const override { return {512, 512}; }
  QSize minimumSizeHint() const override { return {128, 128}; }

 Q_SIGNALS:
  void imageChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  QImage image_;
  QString caption_;
  QString placeholder_;
  int updates_ = 0;
  double zoom_ = 0;
  QString file_path_;
  QPointF pan_;        // offset of the zoomed image's centre from the view's centre
  QPoint drag_start_;  // last mouse position of a pan
  QRect imageArea() const;  // the view minus margins and caption
};

}  // namespace drf::ui
