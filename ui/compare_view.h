// Sequential against DRiffusion, same seed and settings: both images side by side with time
// and speedup, PSNR and SSIM between them, a toggleable difference heat map, and a table of
// the results when the comparison ran over several seeds (select a row to see that seed).
#pragma once
#include <QWidget>

#include "ui/job_types.h"

class QCheckBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace drf::ui {

class PreviewView;

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);

  int seedCount() const;
  void setSeedCount(int seeds);
  void setStatus(const QString& text);
  QString statusText() const;
  void showComparison(const ComparisonPtr& comparison);
  void showRow(int row);
  ComparisonPtr comparison() const { return comparison_; }
  QString metricsText() const;
  void setHeatmapVisible(bool visible);

 Q_SIGNALS:
  void compareRequested();

 private:
  void fillTable();

  QSpinBox* seeds_;
  QPushButton* run_;
  QCheckBox* heatmap_toggle_;
  QLabel* status_;
  PreviewView* sequential_;
  PreviewView* parallel_;
  PreviewView* heatmap_;
  QLabel* metrics_;
  QTableWidget* table_;
  ComparisonPtr comparison_;
};

}  // namespace drf::ui
