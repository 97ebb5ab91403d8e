// Shows one image scaled to fit, keeping its aspect ratio, with a caption underneath. Small
// images (pixel-art previews) are enlarged without smoothing so their pixels stay visible.
#pragma once
#include <QImage>
#include <QWidget>

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

  QSize sizeHint() const override { return {512, 512}; }
  QSize minimumSizeHint() const override { return {128, 128}; }

 Q_SIGNALS:
  void imageChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage image_;
  QString caption_;
  QString placeholder_;
  int updates_ = 0;
};

}  // namespace drf::ui
