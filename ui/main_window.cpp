#include "ui/main_window.h"

#include <QApplication>
#include <QClipboard>
#include <QMenu>
#include <QMessageBox>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QUrl>
#include <QVBoxLayout>

#include "core/util/errors.h"
#include "core/util/log.h"
#include "ui/about_dialog.h"
#include "ui/compare_view.h"
#include "ui/draft_strip.h"
#include "ui/file_dialogs.h"
#include "ui/history_model.h"
#include "ui/history_view.h"
#include "ui/job_runner.h"
#include "ui/log_view.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"
#include "ui/output_gallery.h"
#include "ui/parallelism_panel.h"
#include "ui/preview_view.h"
#include "ui/progress_panel.h"
#include "ui/prompt_panel.h"
#include "ui/queue_model.h"
#include "ui/queue_view.h"
#include "ui/result_files.h"
#include "ui/sampling_panel.h"
#include "ui/sd3_panel.h"
#include "ui/sdxl_panel.h"
#include "ui/seed_editor.h"
#include "ui/settings_restore.h"
#include "ui/stats_panel.h"
#include "ui/vae_picker.h"
#include "ui/lora_picker.h"
#include "ui/wheel_guard.h"

// Resources of the static ui library must be registered by name from the global namespace.
static void initStudioResources() { Q_INIT_RESOURCE(studio); }

namespace drf::ui {
namespace {

QGroupBox* group(const QString& title, QWidget* content) {
  auto* box = new QGroupBox(title);
  auto* layout = new QVBoxLayout(box);
  layout->addWidget(content);
  return box;
}

}  // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent),
      app_settings_(options.settings_file),
      runner_(new JobRunner(this)),
      history_(new HistoryModel(this)) {
  initStudioResources();
  registerJobMetaTypes();
  WheelGuard::install();  // before any widget: spin boxes take the wheel only when focused
  setObjectName(QStringLiteral("mainWindow"));
  setWindowTitle(tr("DRiffusion Studio"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/driffusion-studio.png")));
  setAcceptDrops(true);
  log_view_ = new LogView;  // first, so it sees the messages of the start-up below

  auto* splitter = new QSplitter;
  splitter->setObjectName(QStringLiteral("mainSplitter"));
  splitter->addWidget(buildControls());
  tabs_ = new QTabWidget;
  tabs_->setObjectName(QStringLiteral("mainTabs"));
  tabs_->addTab(buildGenerateTab(), tr("&Generate"));
  compare_view_ = new CompareView;
  tabs_->addTab(compare_view_, tr("C&ompare"));
  history_view_ = new HistoryView(history_);
  tabs_->addTab(history_view_, tr("&History"));
  splitter->addWidget(tabs_);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({430, 650});

  banner_ = new MessageBanner;
  auto* central = new QWidget;
  auto* centralLayout = new QVBoxLayout(central);
  centralLayout->setContentsMargins(4, 4, 4, 0);
  centralLayout->addWidget(banner_);
  centralLayout->addWidget(splitter, 1);
  setCentralWidget(central);

  buildDocks();
  buildMenus();
  output_label_ = new QLabel;
  output_label_->setObjectName(QStringLiteral("outputFolderLabel"));
  progress_label_ = new QLabel;
  progress_label_->setObjectName(QStringLiteral("statusProgress"));
  statusBar()->addPermanentWidget(progress_label_);
  statusBar()->addPermanentWidget(output_label_);
  connectRunner();
  restoreSession();
  if (!options.output_folder.isEmpty()) setOutputFolder(options.output_folder);
  loadOutputFolderImages();  // the history of earlier sessions, from the files on disk
  runner_->listDevices();
  onModelSelected(model_picker_->currentSource());
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::buildControls() {
  prompt_panel_ = new PromptPanel;
  model_picker_ = new ModelPicker;
  sampling_panel_ = new SamplingPanel;
  parallelism_panel_ = new ParallelismPanel;
  vae_picker_ = new VaePicker;
  lora_picker_ = new LoraPicker;
  sdxl_panel_ = new SdxlPanel;
  sd3_panel_ = new Sd3Panel;
  generate_button_ = new QPushButton(tr("Generate"));
  compare_button_ = new QPushButton(tr("Compare"));
  cancel_button_ = new QPushButton(tr("Cancel"));
  generate_button_->setObjectName(QStringLiteral("generateButton"));
  compare_button_->setObjectName(QStringLiteral("compareButton"));
  cancel_button_->setObjectName(QStringLiteral("cancelButton"));
  generate_button_->setDefault(true);
  generate_button_->setToolTip(tr("Generate (Ctrl+Enter); queued when a job is running"));
  compare_button_->setToolTip(tr("Run sequential and DRiffusion with the same seed and compare (Ctrl+Shift+Enter)"));
  cancel_button_->setToolTip(tr("Stop the running job within one round (Esc)"));
  cancel_button_->setEnabled(false);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generate_button_, 2);
  buttons->addWidget(compare_button_, 1);
  buttons->addWidget(cancel_button_, 1);
  auto* inner = new QWidget;
  auto* layout = new QVBoxLayout(inner);
  layout->addWidget(prompt_panel_);
  layout->addLayout(buttons);
  auto* model = new QWidget;
  auto* modelLayout = new QVBoxLayout(model);
  modelLayout->setContentsMargins(0, 0, 0, 0);
  modelLayout->addWidget(model_picker_);
  modelLayout->addWidget(vae_picker_);
  modelLayout->addWidget(lora_picker_);
  layout->addWidget(group(tr("Model"), model));
  layout->addWidget(group(tr("Sampling"), sampling_panel_));
  sdxl_group_ = group(tr("SDXL"), sdxl_panel_);
  sdxl_group_->setObjectName(QStringLiteral("sdxlGroup"));
  sdxl_group_->setVisible(false);  // shown for SDXL-family models
  layout->addWidget(sdxl_group_);
  sd3_group_ = group(tr("SD3"), sd3_panel_);
  sd3_group_->setObjectName(QStringLiteral("sd3Group"));
  sd3_group_->setVisible(false);  // shown for SD3-family models
  layout->addWidget(sd3_group_);
  layout->addWidget(group(tr("Parallelism"), parallelism_panel_));
  layout->addStretch();
  auto* scroll = new QScrollArea;
  scroll->setObjectName(QStringLiteral("controlsScroll"));
  scroll->setWidget(inner);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(inner->minimumSizeHint().width() + scroll->verticalScrollBar()->sizeHint().width() + 4);

  for (QPlainTextEdit* edit : {prompt_panel_->promptEdit(), prompt_panel_->negativeEdit()})
    edit->viewport()->installEventFilter(this);
  connect(generate_button_, &QPushButton::clicked, this, &MainWindow::generate);
  connect(compare_button_, &QPushButton::clicked, this, &MainWindow::compare);
  connect(cancel_button_, &QPushButton::clicked, this, &MainWindow::cancel);
  connect(sampling_panel_, &SamplingPanel::stepsChanged, parallelism_panel_, &ParallelismPanel::setSteps);
  connect(sampling_panel_, &SamplingPanel::samplingChanged, parallelism_panel_, &ParallelismPanel::setSampling);
  parallelism_panel_->setSampling(sampling_panel_->sampler(), sampling_panel_->guidance());
  connect(parallelism_panel_, &ParallelismPanel::refreshRequested, runner_, &JobRunner::listDevices);
  connect(model_picker_, &ModelPicker::currentSourceChanged, this, &MainWindow::onModelSelected);
  connect(model_picker_, &ModelPicker::userModelsChanged, this, [this](const QStringList& paths) {
    app_settings_.setUserModels(paths);
    sdxl_panel_->setUserModels(paths);
  });
  connect(sampling_panel_, &SamplingPanel::imageSizeChanged, sdxl_panel_, &SdxlPanel::setImageSize);
  sdxl_panel_->setImageSize(sampling_panel_->shownSize().width(), sampling_panel_->shownSize().height());
  return scroll;
}

QWidget* MainWindow::buildGenerateTab() {
  preview_ = new PreviewView;
  preview_->setObjectName(QStringLiteral("livePreview"));
  preview_->setPlaceholder(tr("Type a prompt and press Ctrl+Enter.\nThe refined state appears here after every round."));
  draft_strip_ = new DraftStrip;
  draft_strip_->setObjectName(QStringLiteral("draftStrip"));
  progress_panel_ = new ProgressPanel;
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(preview_, 1);
  layout->addWidget(draft_strip_);
  layout->addWidget(progress_panel_);
  return page;
}

void MainWindow::buildDocks() {
  connect(compare_view_, &CompareView::compareRequested, this, &MainWindow::compare);
  connect(history_view_, &HistoryView::useSettingsRequested, this, [this](const GenerationSettings& s) {
    applySettings(s, true);
    statusBar()->showMessage(tr("Settings restored from the history"), 5000);
  });
  connect(history_view_, &HistoryView::currentEntryChanged, this, [this](int row) {
    if (row < 0 || runner_->isBusy()) return;  // a running job owns the statistics
    const HistoryEntry& e = history_->entryAt(row);
    if (e.outcome->result.stats.total_ms <= 0) return;  // from the output folder: no timings
    stats_panel_->showOutcome(*e.outcome, baselines_.samplingMs(e.outcome->result.settings));
  });
  connect(history_view_, &HistoryView::saveAsRequested, this, &MainWindow::saveImageAs);
  for (PreviewView* view : {preview_, history_view_->preview()}) {
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view, &QWidget::customContextMenuRequested, this, [this, view](const QPoint& pos) {
      showImageMenu(view, pos, view == preview_ ? (history_->rowCount() ? 0 : -1) : history_view_->currentRow());
    });
  }

  stats_panel_ = new StatsPanel;
  auto* statsDock = new QDockWidget(tr("Statistics"), this);
  statsDock->setObjectName(QStringLiteral("statsDock"));
  // Scrolls rather than squeezes: on a 768 px screen the rows would otherwise be cut off.
  auto* statsScroll = new QScrollArea;
  statsScroll->setObjectName(QStringLiteral("statsScroll"));
  statsScroll->setWidget(stats_panel_);
  statsScroll->setWidgetResizable(true);
  statsScroll->setFrameShape(QFrame::NoFrame);
  statsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  statsDock->setWidget(statsScroll);
  addDockWidget(Qt::RightDockWidgetArea, statsDock);

  queue_view_ = new QueueView(runner_->queue());
  auto* queueDock = new QDockWidget(tr("Queue"), this);
  queueDock->setObjectName(QStringLiteral("queueDock"));
  queueDock->setWidget(queue_view_);
  addDockWidget(Qt::RightDockWidgetArea, queueDock);

  auto* logDock = new QDockWidget(tr("Log"), this);
  logDock->setObjectName(QStringLiteral("logDock"));
  logDock->setWidget(log_view_);
  addDockWidget(Qt::RightDockWidgetArea, logDock);
  tabifyDockWidget(queueDock, logDock);
  queueDock->raise();
  resizeDocks({statsDock}, {380}, Qt::Horizontal);
  resizeDocks({statsDock, queueDock}, {520, 260}, Qt::Vertical);
}

void MainWindow::buildMenus() {
  generate_action_ = new QAction(tr("&Generate"), this);
  generate_action_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  compare_action_ = new QAction(tr("&Compare with sequential"), this);
  compare_action_->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Enter)});
  cancel_action_ = new QAction(tr("C&ancel"), this);
  cancel_action_->setShortcut(QKeySequence(Qt::Key_Escape));
  cancel_action_->setEnabled(false);
  connect(generate_action_, &QAction::triggered, this, &MainWindow::generate);
  connect(compare_action_, &QAction::triggered, this, &MainWindow::compare);
  connect(cancel_action_, &QAction::triggered, this, &MainWindow::cancel);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* save = file->addAction(tr("&Save image as..."), this, [this] { saveImageAs(currentImageRow()); });
  save->setShortcut(QKeySequence::Save);
  file->addAction(tr("Save image &enlarged (%1\u00d7, nearest)...").arg(kViewingUpscale), this,
                  [this] { saveImageUpscaledAs(currentImageRow()); });
  upscaled_copies_action_ = file->addAction(tr("Also save small images enlarged %1\u00d7").arg(kViewingUpscale));
  upscaled_copies_action_->setObjectName(QStringLiteral("upscaledCopiesAction"));
  upscaled_copies_action_->setCheckable(true);
  upscaled_copies_action_->setChecked(app_settings_.saveUpscaledCopies());
  upscaled_copies_action_->setToolTip(tr("Images smaller than %1 px (the built-in model's 64x64) are also saved "
                                         "%2\u00d7 larger, pixel for pixel, in the upscaled/ folder of the output folder")
                                          .arg(kSmallImageSide)
                                          .arg(kViewingUpscale));
  connect(upscaled_copies_action_, &QAction::toggled, this, [this](bool on) { app_settings_.setSaveUpscaledCopies(on); });
  file->addAction(tr("Choose &output folder..."), this, &MainWindow::chooseOutputFolder);
  file->addAction(tr("Open output folder"), this, &MainWindow::openOutputFolder);
  file->addAction(tr("&Load images of the output folder"), this, [this] {
    const int added = loadOutputFolderImages();
    statusBar()->showMessage(tr("%n image(s) added to the history", nullptr, added), 5000);
  });
  file->addAction(tr("&Restore settings from image..."), this, [this] {
    const QString path = chooseOpenFile(this, tr("Restore settings from image"), output_folder_,
                                        tr("Images (*.png *.tif *.tiff *.exr *.ppm)"));
    if (!path.isEmpty()) restoreFromFile(path);
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* copy = edit->addAction(tr("&Copy image"), this, [this] { copyImage(currentImageRow()); });
  copy->setShortcut(QKeySequence::Copy);  // text editors keep Ctrl+C for their selection
  edit->addAction(tr("Copy &settings"), this, [this] { copySettings(currentImageRow()); });
  QMenu* run = menuBar()->addMenu(tr("&Generation"));
  run->addAction(generate_action_);
  run->addAction(compare_action_);
  run->addAction(cancel_action_);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard shortcuts"), this, [this] {
    QMessageBox::information(this, tr("Keyboard shortcuts"), shortcutsText());
  });
  help->addAction(tr("&About DRiffusion Studio"), this, [this] { showAboutDialog(this); });
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::restoreSession() {
  model_picker_->setUserModels(app_settings_.userModels());
  sdxl_panel_->setUserModels(model_picker_->userModels());
  const QString model = app_settings_.currentModel();
  if (!model.isEmpty()) model_picker_->setCurrentSource(model);
  prompt_panel_->setRecentPrompts(app_settings_.recentPrompts());
  if (const auto last = app_settings_.lastParameters()) {
    applySettings(*last, false);
    pending_devices_ = last->devices;
  }
  sampling_panel_->seedEditor()->setRandom(app_settings_.randomSeed());
  compare_view_->setSeedCount(app_settings_.compareSeeds());
  setOutputFolder(app_settings_.outputFolder());
  if (!restoreGeometry(app_settings_.windowGeometry())) resize(1440, 900);
  restoreState(app_settings_.windowState());
}

void MainWindow::saveSession() {
  app_settings_.setWindowLayout(saveGeometry(), saveState());
  app_settings_.setUserModels(model_picker_->userModels());
  app_settings_.setCurrentModel(model_picker_->currentSource());
  app_settings_.setRecentPrompts(prompt_panel_->recentPrompts());
  app_settings_.setOutputFolder(output_folder_);
  app_settings_.setRandomSeed(sampling_panel_->seedEditor()->isRandom());
  app_settings_.setCompareSeeds(compare_view_->seedCount());
  GenerationSettings s;
  s.model = model_picker_->currentSource().toStdString();
  s.prompt = prompt_panel_->prompt().toStdString();
  s.negative_prompt = prompt_panel_->negativePrompt().toStdString();
  const bool random = sampling_panel_->seedEditor()->isRandom();
  sampling_panel_->seedEditor()->setRandom(false);  // keep the shown seed, draw nothing
  sampling_panel_->apply(s);
  sampling_panel_->seedEditor()->setRandom(random);
  parallelism_panel_->apply(s);
  // Remembered whatever the model: they come back when an SDXL model is chosen again.
  vae_picker_->apply(s);
  lora_picker_->apply(s);
  sdxl_panel_->apply(s);
  sd3_panel_->apply(s);
  app_settings_.setLastParameters(s);
  app_settings_.sync();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSession();
  runner_->queue()->clear();
  runner_->cancelCurrent();
  event->accept();
}

void MainWindow::setOutputFolder(const QString& folder) {
  output_folder_ = folder;
  output_label_->setText(tr("Output: %1").arg(QDir::toNativeSeparators(folder)));
}

void MainWindow::chooseOutputFolder() {
  const QString folder = chooseFolder(this, tr("Output folder"), output_folder_);
  if (folder.isEmpty()) return;
  setOutputFolder(folder);
  app_settings_.setOutputFolder(folder);
}

void MainWindow::showCompareTab() { tabs_->setCurrentWidget(compare_view_); }

void MainWindow::applySettings(const GenerationSettings& s, bool includeModel) {
  settings_chosen_for_ = includeModel && !s.model.empty() ? QString::fromStdString(s.model) : model_picker_->currentSource();
  prompt_panel_->setPrompt(QString::fromStdString(s.prompt));
  prompt_panel_->setNegativePrompt(QString::fromStdString(s.negative_prompt));
  sampling_panel_->load(s);
  parallelism_panel_->load(s);
  vae_picker_->load(s);
  lora_picker_->load(s);
  sdxl_panel_->load(s);
  sd3_panel_->load(s);
  if (includeModel && !s.model.empty()) model_picker_->setCurrentSource(QString::fromStdString(s.model));
}

bool MainWindow::restoreFromFile(const QString& path) {
  try {
    const RestoredSettings r = restoreFromImageFile(path);
    applySettings(r.settings, r.has_model);
    QString text = tr("Restored the settings of %1 (%2).").arg(QFileInfo(path).fileName(), r.origin);
    if (!r.notes.isEmpty()) {
      // A new sentence: the notes are written as lower-case clauses ("made with model ...").
      QString notes = r.notes.join(QStringLiteral("; "));
      notes[0] = notes[0].toUpper();
      text += QLatin1Char(' ') + notes + QLatin1Char('.');
    }
    banner_->showMessage(r.notes.isEmpty() ? MessageBanner::Level::Info : MessageBanner::Level::Warning, text);
    tabs_->setCurrentIndex(0);
    return true;
  } catch (const std::exception& e) {
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("Cannot restore settings from %1: %2").arg(QFileInfo(path).fileName(), QString::fromStdString(e.what())));
    return false;
  }
}

bool MainWindow::saveHistoryEntryUpscaledAs(int row, const QString& path) {
  if (row < 0 || row >= history_->rowCount()) return false;
  const HistoryEntry& e = history_->entryAt(row);
  try {
    if (QFileInfo::exists(path) && !QFile::remove(path))
      throw IoError("cannot replace " + path.toStdString() + ": the file cannot be removed");
    saveUpscaledAs(e.outcome->result, path, kViewingUpscale, e.measured_speedup);
    statusBar()->showMessage(tr("Saved %1 (enlarged %2\u00d7)").arg(path).arg(kViewingUpscale), 5000);
    return true;
  } catch (const std::exception& ex) {
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("Could not save the image: %1").arg(QString::fromStdString(ex.what())));
    return false;
  }
}

void MainWindow::setSaveUpscaledCopies(bool on) {
  if (upscaled_copies_action_) upscaled_copies_action_->setChecked(on);  // stores the setting
  app_settings_.setSaveUpscaledCopies(on);
}

bool MainWindow::saveUpscaledCopies() const { return app_settings_.saveUpscaledCopies(); }

bool MainWindow::saveHistoryEntryAs(int row, const QString& path) {
  if (row < 0 || row >= history_->rowCount()) return false;
  const HistoryEntry& e = history_->entryAt(row);
  try {
    // The file dialog already asked before replacing an existing file.
    if (QFileInfo::exists(path) && !QFile::remove(path))
      throw IoError("cannot replace " + path.toStdString() + ": the file cannot be removed");
    saveAs(e.outcome->result, path, e.measured_speedup);
    history_->setSaved(row, path);
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
  } catch (const std::exception& ex) {
    banner_->showMessage(MessageBanner::Level::Error,
                         tr("Could not save the image: %1").arg(QString::fromStdString(ex.what())));
    return false;
  }
}

namespace {

// The one local file a drag carries, or an empty string.
QString droppedFile(const QMimeData* mime) {
  const QList<QUrl> urls = mime->urls();
  return urls.size() == 1 && urls.first().isLocalFile() ? urls.first().toLocalFile() : QString();
}

bool isImageFile(const QString& path) {
  static const QStringList kSuffixes = {QStringLiteral("png"), QStringLiteral("tif"), QStringLiteral("tiff"),
                                        QStringLiteral("exr"), QStringLiteral("ppm")};
  return kSuffixes.contains(QFileInfo(path).suffix().toLower());
}

}  // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (!droppedFile(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QString path = droppedFile(event->mimeData());
  if (path.isEmpty()) return;
  event->acceptProposedAction();
  restoreFromFile(path);
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  const QEvent::Type t = event->type();
  if (t == QEvent::DragEnter || t == QEvent::DragMove || t == QEvent::Drop) {
    auto* drag = static_cast<QDropEvent*>(event);
    const QString path = droppedFile(drag->mimeData());
    if (!path.isEmpty() && isImageFile(path)) {
      drag->acceptProposedAction();
      if (t == QEvent::Drop) restoreFromFile(path);
      return true;
    }
  }
  return QMainWindow::eventFilter(watched, event);
}

}  // namespace drf::ui
