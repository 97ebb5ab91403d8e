// The item models behind the queue, history and device views: checked with Qt's
// QAbstractItemModelTester (fatal mode) while being changed, plus their own rules; and the
// rules of the parallelism and statistics panels that need no window.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include "ui/device_model.h"
#include "ui/history_model.h"
#include "ui/parallelism_panel.h"
#include "ui/queue_model.h"
#include "ui/stats_panel.h"

using namespace drf;
using namespace drf::ui;

namespace {

JobRequest job(int id, const char* prompt) {
  JobRequest j;
  j.id = id;
  j.settings.prompt = prompt;
  return j;
}

OutcomePtr outcome(const char* prompt, int size = 128) {
  auto o = std::make_shared<GenerationOutcome>();
  o->result.settings.prompt = prompt;
  o->result.stats.total_ms = 1234;
  o->result.stats.serial_latencies = 14;
  o->result.stats.sequential_latencies = 50;
  o->result.stats.theoretical_speedup = 50.0 / 14;
  o->image = QImage(size, size, QImage::Format_RGB888);
  o->image.fill(Qt::red);
  return o;
}

DeviceInfo device(int index, const char* name) {
  DeviceInfo d;
  d.index = index;
  d.name = name;
  d.memory_total = 80ull << 30;
  d.memory_free = 70ull << 30;
  return d;
}

std::vector<int> ids(const QueueModel& m) {
  std::vector<int> out;
  for (int r = 0; r < m.rowCount(); ++r) out.push_back(m.index(r).data(QueueModel::JobIdRole).toInt());
  return out;
}

}  // namespace

class ItemModelsTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void queueEnqueueMoveRemoveEdit() {
    QueueModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    m.enqueue(job(1, "red"));
    m.enqueue(job(2, "green"));
    m.enqueue(job(3, "blue"));
    QCOMPARE(m.rowCount(), 3);
    QVERIFY(m.index(1).data().toString().contains(QStringLiteral("green")));

    QVERIFY(m.moveRows(QModelIndex(), 2, 1, QModelIndex(), 0));  // blue to the top
    QCOMPARE(ids(m), (std::vector<int>{3, 1, 2}));
    QVERIFY(m.moveRows(QModelIndex(), 0, 1, QModelIndex(), 2));  // blue below red
    QCOMPARE(ids(m), (std::vector<int>{1, 3, 2}));
    QVERIFY(!m.moveRows(QModelIndex(), 0, 1, QModelIndex(), 1));  // onto itself: refused

    QVERIFY(m.setData(m.index(1), QStringLiteral("gold coin"), Qt::EditRole));
    QCOMPARE(m.jobAt(1).settings.prompt, std::string("gold coin"));
    QVERIFY(m.flags(m.index(1)) & Qt::ItemIsEditable);

    QVERIFY(m.removeRows(1, 1));
    QCOMPARE(ids(m), (std::vector<int>{1, 2}));
    QVERIFY(!m.removeRows(1, 5));
    QCOMPARE(m.takeFirst().id, 1);
    QCOMPARE(m.rowCount(), 1);
    m.clear();
    QVERIFY(m.isEmpty());
  }

  void historyNewestFirstBoundedAndSaved() {
    HistoryModel m(nullptr, 3);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const int first = m.add(outcome("red apple"), QString(), QStringLiteral("disk full"));
    m.add(outcome("green leaf"), QStringLiteral("/tmp/00001-1.png"), QString(), 1.8);
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.index(0).data(HistoryModel::PromptRole).toString(), QStringLiteral("green leaf"));
    QVERIFY(m.index(0).data(HistoryModel::TimingRole).toString().contains(QStringLiteral("1.80")));
    QCOMPARE(m.index(1).data(HistoryModel::SaveErrorRole).toString(), QStringLiteral("disk full"));
    const QImage thumb = m.index(0).data(Qt::DecorationRole).value<QImage>();
    QCOMPARE(thumb.width(), HistoryModel::kThumbnailSize);

    m.setSaved(m.rowOf(first), QStringLiteral("/elsewhere/a.png"));
    QCOMPARE(m.index(1).data(HistoryModel::SavedPathRole).toString(), QStringLiteral("/elsewhere/a.png"));
    QVERIFY(m.index(1).data(HistoryModel::SaveErrorRole).toString().isEmpty());

    m.add(outcome("blue sea"), QString(), QString());
    m.add(outcome("gold coin"), QString(), QString());
    QCOMPARE(m.rowCount(), 3);          // capacity: the oldest entry went
    QCOMPARE(m.rowOf(first), -1);
    QCOMPARE(m.index(2).data(HistoryModel::PromptRole).toString(), QStringLiteral("green leaf"));
    QVERIFY(m.removeRows(0, 1));
    m.clear();
    QCOMPARE(m.rowCount(), 0);
  }

  void devicesGpuAndCpuExclusiveAndOneStaysChecked() {
    DeviceModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    m.setDevices({device(0, "NVIDIA H200"), device(1, "NVIDIA H200"), device(-1, "CPU (16 threads)")});
    QCOMPARE(m.checkedCudaDevices(), (std::vector<int>{0, 1}));  // default: every GPU
    QVERIFY(m.index(0).data().toString().contains(QStringLiteral("70.0 of 80.0 GiB free")));

    QSignalSpy changed(&m, &DeviceModel::checkedChanged);
    QVERIFY(m.setData(m.index(1), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(m.checkedCudaDevices(), (std::vector<int>{0}));
    QVERIFY(!m.setData(m.index(0), Qt::Unchecked, Qt::CheckStateRole));  // the last one stays
    QVERIFY(m.setData(m.index(2), Qt::Checked, Qt::CheckStateRole));     // CPU clears the GPUs
    QVERIFY(m.checkedCudaDevices().empty());
    QCOMPARE(m.checkedCount(), 1);
    QVERIFY(m.setData(m.index(1), Qt::Checked, Qt::CheckStateRole));     // a GPU clears the CPU
    QCOMPARE(m.checkedCudaDevices(), (std::vector<int>{1}));
    QCOMPARE(m.checkedCount(), 1);
    QVERIFY(changed.count() >= 3);

    m.setDevices({device(-1, "CPU (2 threads)")});  // no GPU any more
    QCOMPARE(m.checkedCount(), 1);
    QVERIFY(m.checkedCudaDevices().empty());
    // The list shows the short name (the longer "CPU (no GPU found): ..." was cut in the list);
    // the tooltip says that no GPU was found.
    QCOMPARE(m.index(0).data().toString(), QStringLiteral("CPU (2 threads)"));
    QVERIFY(m.index(0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("no CUDA GPU")));
    m.setCheckedCudaDevices({3});  // a device that does not exist
    QCOMPARE(m.checkedCount(), 1);
  }

  // The proposed width follows the checked devices (one draft per GPU, 3 batched drafts on a
  // single GPU, 1 on the CPU) until the user sets one.
  void parallelismWidthFollowsDevicesUntilChosen() {
    ParallelismPanel panel;
    panel.setDevices({device(0, "NVIDIA H200"), device(1, "NVIDIA H200"), device(-1, "CPU (16 threads)")});
    QCOMPARE(panel.width(), 2);
    auto* m = panel.deviceModel();
    QVERIFY(m->setData(m->index(1), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(panel.width(), ParallelismPanel::defaultWidth(1));
    QCOMPARE(panel.width(), 3);
    QVERIFY(m->setData(m->index(2), Qt::Checked, Qt::CheckStateRole));  // the CPU
    QCOMPARE(panel.width(), 1);
    GenerationSettings s;
    s.mode = Mode::Aggressive;
    s.width = 5;
    s.devices = {0, 1};
    panel.load(s);  // a restored user choice
    QVERIFY(m->setData(m->index(1), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(panel.width(), 5);
  }

  // Draft memory: 256 MB by default, written by apply(), restored by load(), and enabled where
  // it acts: a DRiffusion mode, on GPUs or the CPU (the engine splits CPU rounds by it too).
  void parallelismDraftMemory() {
    ParallelismPanel panel;
    panel.setDevices({device(0, "NVIDIA H200"), device(-1, "CPU (16 threads)")});
    auto* spin = panel.findChild<QSpinBox*>(QStringLiteral("draftMemorySpin"));
    QVERIFY(spin);
    QCOMPARE(spin->value(), 256);
    GenerationSettings s;
    s.draft_memory_mb = 0;
    panel.apply(s);
    QCOMPARE(s.draft_memory_mb, 256);
    spin->setValue(640);
    panel.apply(s);
    QCOMPARE(s.draft_memory_mb, 640);

    GenerationSettings restored;
    restored.mode = Mode::Conservative;
    restored.devices = {0};
    restored.draft_memory_mb = 1024;
    panel.load(restored);
    QCOMPARE(spin->value(), 1024);
    QCOMPARE(spin->text(), QStringLiteral("1024 MB"));
    restored.draft_memory_mb = 0;
    panel.load(restored);
    QCOMPARE(spin->text(), QStringLiteral("no limit"));

    QVERIFY(spin->isEnabled());  // Conservative on a GPU
    auto* mode = panel.findChild<QComboBox*>(QStringLiteral("modeCombo"));
    mode->setCurrentIndex(mode->findText(QStringLiteral("Sequential")));
    QVERIFY(!spin->isEnabled());
    mode->setCurrentIndex(mode->findText(QStringLiteral("Aggressive")));
    QVERIFY(spin->isEnabled());
    auto* m = panel.deviceModel();
    QVERIFY(m->setData(m->index(1), Qt::Checked, Qt::CheckStateRole));  // the CPU
    QVERIFY(spin->isEnabled());
    mode->setCurrentIndex(mode->findText(QStringLiteral("Sequential")));
    QVERIFY(!spin->isEnabled());
  }

  // Warm-up steps: Auto by default (the solver's default, settings.h), written by apply(), restored
  // by load(), counted in the theoretical speedup, enabled only in a DRiffusion mode.
  void parallelismWarmupSteps() {
    ParallelismPanel panel;
    panel.setDevices({device(0, "NVIDIA H200")});
    panel.setSteps(25);
    auto* spin = panel.findChild<QSpinBox*>(QStringLiteral("warmupSpin"));
    QVERIFY(spin);
    QCOMPARE(spin->text(), QStringLiteral("Auto"));
    GenerationSettings s;
    panel.apply(s);
    QCOMPARE(s.warmup_steps, GenerationSettings::kAutoWarmup);
    auto* mode = panel.findChild<QComboBox*>(QStringLiteral("modeCombo"));
    mode->setCurrentIndex(mode->findText(QStringLiteral("Aggressive")));
    panel.findChild<QSpinBox*>(QStringLiteral("widthSpin"))->setValue(3);
    panel.setSampling(SamplerKind::DDIM, 5.0);  // auto: none
    QVERIFY2(panel.speedupText().contains(QStringLiteral(" 9 serial network latencies")), qPrintable(panel.speedupText()));
    panel.setSampling(SamplerKind::DDPM, 5.0);  // auto: four
    QVERIFY2(panel.speedupText().contains(QStringLiteral("12 serial network latencies")), qPrintable(panel.speedupText()));
    QVERIFY(panel.speedupText().contains(QStringLiteral("4 warm-up steps")));
    spin->setValue(1);
    QVERIFY2(panel.speedupText().contains(QStringLiteral("10 serial network latencies")), qPrintable(panel.speedupText()));
    panel.apply(s);
    QCOMPARE(s.warmup_steps, 1);

    GenerationSettings restored;
    restored.mode = Mode::Conservative;
    restored.width = 2;
    restored.devices = {0};
    restored.warmup_steps = 4;
    panel.load(restored);
    QCOMPARE(spin->value(), 4);
    QVERIFY(spin->isEnabled());
    mode->setCurrentIndex(mode->findText(QStringLiteral("Sequential")));
    QVERIFY(!spin->isEnabled());
  }

  // The drafts per network call of a finished run show only when a draft memory limit applied.
  void statsShowDraftsPerCallOnlyWhenLimited() {
    StatsPanel panel;
    auto* label = panel.findChild<QLabel*>(QStringLiteral("statsDraftsPerCall"));
    QVERIFY(label);
    QVERIFY(label->isHidden());
    GenerationOutcome o;
    o.result.settings.mode = Mode::Aggressive;
    o.result.stats.max_states_per_call = 4;
    panel.showOutcome(o, std::nullopt);
    QVERIFY(!label->isHidden());
    QCOMPARE(label->text(), QStringLiteral("4 (draft memory limit)"));
    o.result.stats.max_states_per_call = 0;
    panel.showOutcome(o, std::nullopt);
    QVERIFY(label->isHidden());
    o.result.stats.max_states_per_call = 2;
    panel.showOutcome(o, std::nullopt);
    panel.startRun(o.result.settings);  // a new run hides the last run's value
    QVERIFY(label->isHidden());
  }
};

QTEST_MAIN(ItemModelsTest)
#include "test_item_models.moc"
