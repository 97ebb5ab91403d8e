#include "ui/history_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QVBoxLayout>

#include "ui/history_model.h"
#include "ui/preview_view.h"

namespace drf::ui {

HistoryView::HistoryView(HistoryModel* model, QWidget* parent)
    : QWidget(parent),
      model_(model),
      list_(new QListView),
      preview_(new PreviewView),
      details_(new QLabel),
      use_settings_(new QPushButton(tr("Use these settings"))),
      save_as_(new QPushButton(tr("Save as..."))) {
  list_->setObjectName(QStringLiteral("historyList"));
  preview_->setObjectName(QStringLiteral("historyPreview"));
  details_->setObjectName(QStringLiteral("historyDetails"));
  use_settings_->setObjectName(QStringLiteral("useSettingsButton"));
  save_as_->setObjectName(QStringLiteral("saveAsButton"));
  list_->setModel(model_);
  list_->setViewMode(QListView::IconMode);
  list_->setIconSize(QSize(HistoryModel::kThumbnailSize, HistoryModel::kThumbnailSize));
  // Room for the thumbnail and two lines of prompt under it: the delegate's own size hint
  // must fit the grid cell, or thumbnails and labels are clipped.
  const int line = list_->fontMetrics().lineSpacing();
  list_->setGridSize(QSize(HistoryModel::kThumbnailSize + 44, HistoryModel::kThumbnailSize + 2 * line + 16));
  list_->setTextElideMode(Qt::ElideRight);
  // At least one column of cells: a narrower list cut thumbnails and prompts at the side.
  list_->setMinimumWidth(list_->gridSize().width() + list_->style()->pixelMetric(QStyle::PM_ScrollBarExtent) +
                         2 * list_->frameWidth() + 4);
  list_->setResizeMode(QListView::Adjust);
  list_->setMovement(QListView::Static);
  list_->setUniformItemSizes(true);
  list_->setWordWrap(true);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  preview_->setPlaceholder(tr("Finished images appear here. Select one to see it large."));
  details_->setWordWrap(true);
  list_->setToolTip(tr("Results of this and earlier sessions (from the output folder); select one to see it large"));
  use_settings_->setToolTip(tr("Put this image's prompt, model and settings back into the panels"));
  save_as_->setToolTip(tr("Write this image elsewhere as PNG, TIFF, EXR or PPM (Ctrl+S)"));
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  details_->setTextFormat(Qt::PlainText);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(use_settings_);
  buttons->addWidget(save_as_);
  buttons->addStretch();
  auto* right = new QWidget;
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->addWidget(preview_, 1);
  rightLayout->addWidget(details_);
  rightLayout->addLayout(buttons);
  auto* splitter = new QSplitter;
  splitter->addWidget(list_);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(splitter);

  connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
    showCurrent();
    Q_EMIT currentEntryChanged(currentRow());
  });
  connect(model_, &QAbstractItemModel::dataChanged, this, &HistoryView::showCurrent);
  connect(model_, &QAbstractItemModel::rowsRemoved, this, &HistoryView::showCurrent);
  connect(model_, &QAbstractItemModel::modelReset, this, &HistoryView::showCurrent);
  connect(use_settings_, &QPushButton::clicked, this, [this] {
    const int row = currentRow();
    if (row >= 0) Q_EMIT useSettingsRequested(model_->entryAt(row).outcome->result.settings);
  });
  connect(save_as_, &QPushButton::clicked, this, [this] {
    const int row = currentRow();
    if (row >= 0) Q_EMIT saveAsRequested(row);
  });
  showCurrent();
}

int HistoryView::currentRow() const { return list_->currentIndex().row(); }

void HistoryView::selectRow(int row) { list_->setCurrentIndex(model_->index(row)); }

QString HistoryView::detailsText() const { return details_->text(); }

void HistoryView::showCurrent() {
  const int row = currentRow();
  use_settings_->setEnabled(row >= 0);
  save_as_->setEnabled(row >= 0);
  if (row < 0) {
    details_->clear();
    return;
  }
  const HistoryEntry& e = model_->entryAt(row);
  const QModelIndex index = model_->index(row);
  preview_->setImage(e.outcome->image, QString::fromStdString(e.outcome->result.model_name));
  preview_->setFilePath(e.saved_path);
  QString file = e.saved_path.isEmpty() ? tr("Not saved: %1").arg(e.save_error) : tr("Saved as %1").arg(e.saved_path);
  details_->setText(tr("%1\n%2\n%3\n%4")
                        .arg(index.data(HistoryModel::PromptRole).toString(),
                             index.data(HistoryModel::SettingsRole).toString(),
                             index.data(HistoryModel::TimingRole).toString(), file));
}

}  // namespace drf::ui
