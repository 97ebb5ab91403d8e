// The DRiffusion Studio main window: prompt and settings on the left, the live preview, the
// comparison and the history gallery in the middle, statistics, queue and log in docks.
// Generation runs on JobRunner's worker thread; this class only reacts to its signals.
#pragma once
#include <QMainWindow>
#include <optional>

#include "core/engine/engine.h"
#include "core/sampling/draft_plan.h"
#include "ui/app_settings.h"
#include "ui/job_types.h"
#include "ui/speed_baselines.h"

class QAction;
class QGroupBox;
class QLabel;
class QPushButton;
class QTabWidget;

namespace drf::ui {

class CompareView;
class DraftStrip;
class HistoryModel;
class HistoryView;
class JobRunner;
class LogView;
class MessageBanner;
class ModelPicker;
class ParallelismPanel;
class PreviewView;
class ProgressPanel;
class PromptPanel;
class QueueView;
class SamplingPanel;
class Sd3Panel;
class SdxlPanel;
class StatsPanel;
class VaePicker;
class LoraPicker;

struct MainWindowOptions {
  QString settings_file;   // an INI file instead of the user's settings (tests, screenshots)
  QString output_folder;   // overrides the remembered output folder when not empty
};

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  // The settings the panels describe (a random seed is drawn when "Random" is on).
  GenerationSettings collectSettings();
  void applySettings(const GenerationSettings& settings, bool includeModel);
  // Submit a job from the current settings: the job id, or 0 when refused (the reason is
  // shown in the message banner).
  int generate();
  int compare();
  void cancel();
  // Restores parameters from an image file (what dropping a file does). False on error, with
  // the reason shown in the message banner.
  bool restoreFromFile(const QString& path);
  bool saveHistoryEntryAs(int row, const QString& path);
  // The image enlarged kViewingUpscale times (nearest neighbour) for viewing, at `path`.
  bool saveHistoryEntryUpscaledAs(int row, const QString& path);
  // App setting: small images (below kSmallImageSide) are also saved enlarged to
  // <output folder>/upscaled/ after each job.
  void setSaveUpscaledCopies(bool on);
  bool saveUpscaledCopies() const;
  void setOutputFolder(const QString& folder);
  QString outputFolder() const { return output_folder_; }
  void showCompareTab();
  // Adds the restorable images of the output folder that are not in the history yet (at start:
  // the history of earlier sessions). Returns how many were added.
  int loadOutputFolderImages();
  // The image actions (Ctrl+C, Ctrl+S, the image context menu) act on this history row: the
  // selected one in the History tab, else the newest result; -1 when there is none.
  int currentImageRow() const;
  void copyImage(int row);
  void copySettings(int row);
  bool isGenerateBlocked() const { return model_broken_; }
  QString shortcutsText() const;  // the Help > Keyboard shortcuts list

  JobRunner* runner() const { return runner_; }
  HistoryModel* history() const { return history_; }
  PromptPanel* promptPanel() const { return prompt_panel_; }
  ModelPicker* modelPicker() const { return model_picker_; }
  SamplingPanel* samplingPanel() const { return sampling_panel_; }
  ParallelismPanel* parallelismPanel() const { return parallelism_panel_; }
  VaePicker* vaePicker() const { return vae_picker_; }
  LoraPicker* loraPicker() const { return lora_picker_; }
  SdxlPanel* sdxlPanel() const { return sdxl_panel_; }
  QGroupBox* sdxlGroup() const { return sdxl_group_; }
  Sd3Panel* sd3Panel() const { return sd3_panel_; }
  QGroupBox* sd3Group() const { return sd3_group_; }
  // The registry family of the selected model ("sdxl", "sd3", ...); empty until the engine
  // described a model file or folder.
  QString modelFamily() const { return model_family_; }
  PreviewView* livePreview() const { return preview_; }
  DraftStrip* draftStrip() const { return draft_strip_; }
  ProgressPanel* progressPanel() const { return progress_panel_; }
  StatsPanel* statsPanel() const { return stats_panel_; }
  CompareView* compareView() const { return compare_view_; }
  HistoryView* historyView() const { return history_view_; }
  MessageBanner* banner() const { return banner_; }
  LogView* logView() const { return log_view_; }

 Q_SIGNALS:
  void previewUpdated(int round, int roundsTotal);   // after the window showed a RoundDone
  void generationShown(int jobId);                   // a finished image is on screen
  void comparisonShown(int jobId);
  void jobEndedShown(int jobId);                     // after finished, failed or cancelled
  void modelStatusChanged(const QString& source, bool ok);
  void devicesShown();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  // Image files dropped on the prompt editors restore settings too (text drops still edit).
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QWidget* buildControls();
  QWidget* buildGenerateTab();
  void buildDocks();
  void buildMenus();
  void connectRunner();
  void restoreSession();
  void saveSession();
  int submit(JobKind kind);
  void chooseOutputFolder();

  void onJobStarted(const JobRequest& job);
  void onProgress(const JobProgress& progress);
  void onGenerationFinished(int jobId, const OutcomePtr& outcome);
  void onComparisonFinished(int jobId, const ComparisonPtr& outcome);
  void onJobFailed(int jobId, const QString& message, const QString& kind);
  void onJobCancelled(int jobId);
  void onBusyChanged(bool busy);
  void onModelSelected(const QString& source);
  void onModelDescribed(const QString& source, const ModelSummary& summary);
  void onModelFailed(const QString& source, const QString& message);
  void onDevicesListed(const DeviceList& devices);
  void updateGenerateEnabled();
  // Shows the family's own settings (the SDXL or SD3 group, the VAE override for latent models).
  void showModelFamily(const QString& familyId);
  void showProgressOutside(int percent);  // window title and status bar; -1 = idle
  void openOutputFolder();
  void showImageMenu(QWidget* view, const QPoint& pos, int row);
  void saveImageAs(int row);
  void saveImageUpscaledAs(int row);  // with a file dialog
  const DraftPlan* planFor(int steps, int width, Mode mode, int warmup);

  AppSettings app_settings_;
  JobRunner* runner_;
  HistoryModel* history_;
  SpeedBaselines baselines_;
  QString output_folder_;
  std::optional<std::vector<int>> pending_devices_;  // restored before the device list arrived
  std::optional<DraftPlan> plan_;
  JobRequest current_job_;

  MessageBanner* banner_ = nullptr;
  PromptPanel* prompt_panel_ = nullptr;
  ModelPicker* model_picker_ = nullptr;
  SamplingPanel* sampling_panel_ = nullptr;
  ParallelismPanel* parallelism_panel_ = nullptr;
  VaePicker* vae_picker_ = nullptr;
  LoraPicker* lora_picker_ = nullptr;
  SdxlPanel* sdxl_panel_ = nullptr;
  QGroupBox* sdxl_group_ = nullptr;
  Sd3Panel* sd3_panel_ = nullptr;
  QGroupBox* sd3_group_ = nullptr;
  QString model_family_;
  QPushButton* generate_button_ = nullptr;
  QPushButton* compare_button_ = nullptr;
  QPushButton* cancel_button_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  PreviewView* preview_ = nullptr;
  DraftStrip* draft_strip_ = nullptr;
  ProgressPanel* progress_panel_ = nullptr;
  StatsPanel* stats_panel_ = nullptr;
  CompareView* compare_view_ = nullptr;
  HistoryView* history_view_ = nullptr;
  QueueView* queue_view_ = nullptr;
  LogView* log_view_ = nullptr;
  QLabel* output_label_ = nullptr;
  QLabel* progress_label_ = nullptr;  // status bar: the running job's percent
  bool model_broken_ = false;         // the selected model failed to load: Generate is off
  // The model whose sampler, steps and CFG applySettings set (a restored image or session, the
  // command line): its description keeps them instead of switching an LCM-distilled model to its
  // own. Cleared when another model is picked.
  QString settings_chosen_for_;
  QAction* generate_action_ = nullptr;
  QAction* compare_action_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* upscaled_copies_action_ = nullptr;  // File > Also save small images enlarged
};

}  // namespace drf::ui
