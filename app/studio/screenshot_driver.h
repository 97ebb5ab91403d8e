// --screenshot mode: drives the real window through one generation (grabbing it when the
// preview is halfway) and, when a second file is given, one comparison (grabbing the
// comparison view), then quits. Used by tools/screenshots.sh under Xvfb.
#pragma once
#include <QObject>
#include <QStringList>

namespace drf::ui {
class MainWindow;
}

namespace drf::studio {

class ScreenshotDriver : public QObject {
  Q_OBJECT
 public:
  ScreenshotDriver(ui::MainWindow* window, const QStringList& files, int compareSeeds, QObject* parent = nullptr);
  void start();  // call once the model is ready

 private:
  void onPreview(int round, int roundsTotal);
  void onGenerationShown(int jobId);
  void onComparisonShown(int jobId);
  void onJobEnded(int jobId);
  void startComparison();
  bool grabTo(const QString& file);
  void finish(int code, const QString& message);

  ui::MainWindow* window_;
  QStringList files_;
  int compare_seeds_;
  int generate_job_ = 0;
  int compare_job_ = 0;
  bool grabbed_main_ = false;
  bool generated_ = false;
};

}  // namespace drf::studio
