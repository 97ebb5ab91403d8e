// The draft states of the last round, side by side: what each device (or batch slot) evaluated
// while the refined state advanced.
#pragma once
#include <QImage>
#include <QList>
#include <QWidget>

namespace drf::ui {

class DraftStrip : public QWidget {
  Q_OBJECT
 public:
  explicit DraftStrip(QWidget* parent = nullptr);

  // steps[j]: the step index draft j stands for (from the draft plan); may be empty.
  void setDrafts(const QList<QImage>& drafts, const QList<int>& steps);
  void clear();
  int draftCount() const { return drafts_.size(); }

  QSize sizeHint() const override { return {512, 110}; }
  QSize minimumSizeHint() const override { return {128, 72}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QList<QImage> drafts_;
  QList<int> steps_;
};

}  // namespace drf::ui
