// The model families' own settings in the window: the SDXL and SD3 groups and the VAE override
// appear for the families they belong to, the size presets come from the registry per family,
// and every new field (VAE, SDXL size/crop/target conditioning, aesthetic scores, refiner and its
// switch, SD3 T5 on/off, T5 device, shift) survives the saved session and an infotext restore.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGroupBox>
#include <QLineEdit>
#include <QMimeData>
#include <QScrollArea>
#include <QSpinBox>
#include <QTest>
#include <QUrl>

#include "core/models/model_families.h"
#include "gui_test_support.h"
#include "ui/sampling_panel.h"
#include "ui/seed_editor.h"
#include "tests/support/lcm_declared_copy.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"
#include "ui/sd3_panel.h"
#include "ui/sdxl_panel.h"
#include "ui/size_preset_box.h"
#include "ui/vae_picker.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

namespace {

const ModelFamily& registryFamily(const QString& id) {
  for (const ModelFamily& f : model_families())
    if (QString::fromStdString(f.id) == id) return f;
  qFatal("no family %s in the registry", qPrintable(id));
}

bool selectModel(MainWindow& w, const QString& source) {
  if (w.modelPicker()->currentSource() == source) return true;  // selected and described already
  w.modelPicker()->setCurrentSource(source);
  return waitForModel(w, source, true, 60000);
}

template <typename T>
T* child(MainWindow& w, const char* name) {
  T* c = w.findChild<T*>(QString::fromLatin1(name));
  if (!c) qWarning("no child %s", name);
  return c;
}

// The size a preset entry stands for (invalid for "Custom size").
QSize presetAt(SizePresetBox* box, int index) { return box->itemData(index).toSize(); }

// Every family field set away from its default, as a user would through the panels.
void setEveryFamilyField(MainWindow& w, const QString& refiner) {
  w.vaePicker()->setVae(QStringLiteral("/models/sdxl-vae-fp16-fix"));
  child<QCheckBox>(w, "originalFollowCheck")->setChecked(false);
  child<QSpinBox>(w, "originalWidthSpin")->setValue(2048);
  child<QSpinBox>(w, "originalHeightSpin")->setValue(1536);
  child<QSpinBox>(w, "cropLeftSpin")->setValue(64);
  child<QSpinBox>(w, "cropTopSpin")->setValue(32);
  child<QCheckBox>(w, "targetFollowCheck")->setChecked(false);
  child<QSpinBox>(w, "targetWidthSpin")->setValue(1152);
  child<QSpinBox>(w, "targetHeightSpin")->setValue(896);
  w.sdxlPanel()->setRefiner(refiner);
  child<QDoubleSpinBox>(w, "refinerSwitchSpin")->setValue(0.65);
  child<QDoubleSpinBox>(w, "aestheticScoreSpin")->setValue(7.5);
  child<QDoubleSpinBox>(w, "negativeAestheticScoreSpin")->setValue(1.5);
  child<QCheckBox>(w, "useT5Check")->setChecked(true);
  auto* device = child<QComboBox>(w, "t5DeviceCombo");
  device->setCurrentIndex(device->findData(QStringLiteral("cpu")));
  child<QDoubleSpinBox>(w, "flowShiftSpin")->setValue(2.5);
}

// What the panels hold, all of them (not only the ones the selected family uses).
GenerationSettings panelFields(MainWindow& w) {
  GenerationSettings s;
  w.vaePicker()->apply(s);
  w.sdxlPanel()->apply(s);
  w.sd3Panel()->apply(s);
  return s;
}

void compareFamilyFields(const GenerationSettings& got, const GenerationSettings& want) {
  QCOMPARE(got.vae, want.vae);
  QCOMPARE(got.original_width, want.original_width);
  QCOMPARE(got.original_height, want.original_height);
  QCOMPARE(got.crop_left, want.crop_left);
  QCOMPARE(got.crop_top, want.crop_top);
  QCOMPARE(got.target_width, want.target_width);
  QCOMPARE(got.target_height, want.target_height);
  QCOMPARE(got.aesthetic_score, want.aesthetic_score);
  QCOMPARE(got.negative_aesthetic_score, want.negative_aesthetic_score);
  QCOMPARE(got.refiner, want.refiner);
  QCOMPARE(got.refiner_switch, want.refiner_switch);
  QCOMPARE(got.use_t5, want.use_t5);
  QCOMPARE(got.t5_device, want.t5_device);
  QCOMPARE(got.flow_shift, want.flow_shift);
}

GenerationSettings everyFieldSet(const std::string& refiner) {
  GenerationSettings s;
  s.vae = "/models/sdxl-vae-fp16-fix";
  s.original_width = 2048;
  s.original_height = 1536;
  s.crop_left = 64;
  s.crop_top = 32;
  s.target_width = 1152;
  s.target_height = 896;
  s.aesthetic_score = 7.5;
  s.negative_aesthetic_score = 1.5;
  s.refiner = refiner;
  s.refiner_switch = 0.65;
  s.use_t5 = true;
  s.t5_device = "cpu";
  s.flow_shift = 2.5;
  return s;
}

}  // namespace

class WindowFamiliesTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // An LCM-distilled model (a folder whose scheduler config names LCMScheduler) draws in 4 LCM
  // steps at CFG 1: picking it switches the sampling panel to those settings and nothing else;
  // an LCM job's own steps and CFG, or settings restored with the model, stay; picking another
  // model changes nothing back.
  void anLcmDistilledModelSwitchesToItsSettings() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    const drf::test::LcmDeclaredCopy copy;
    const QString lcmModel = QString::fromStdString(copy.path());
    QVERIFY(selectModel(w, QStringLiteral("builtin")));
    GenerationSettings s = w.collectSettings();
    QCOMPARE(s.sampler, SamplerKind::DDIM);
    QVERIFY(s.steps != 4);
    w.samplingPanel()->seedEditor()->setRandom(true);
    QVERIFY(selectModel(w, lcmModel));
    s = w.collectSettings();
    QCOMPARE(s.model, copy.path());
    QCOMPARE(s.sampler, SamplerKind::LCM);
    QCOMPARE(s.steps, 4);
    QCOMPARE(s.guidance, 1.0);
    QVERIFY(w.samplingPanel()->seedEditor()->isRandom());  // only those three change

    QVERIFY(selectModel(w, QStringLiteral("builtin")));
    QCOMPARE(w.collectSettings().sampler, SamplerKind::LCM);  // the user's to change back

    GenerationSettings restored = w.collectSettings();
    restored.model = "builtin";
    restored.steps = 8;
    restored.guidance = 1.5;
    w.applySettings(restored, true);
    QVERIFY(selectModel(w, lcmModel));
    s = w.collectSettings();
    QCOMPARE(s.steps, 8);
    QCOMPARE(s.guidance, 1.5);

    // Settings restored together with the model (an image made with DDIM on that model) stay.
    QVERIFY(selectModel(w, QStringLiteral("builtin")));
    GenerationSettings ddim = w.collectSettings();
    ddim.model = copy.path();
    ddim.sampler = SamplerKind::DDIM;
    ddim.steps = 7;
    ddim.guidance = 2.5;
    w.applySettings(ddim, true);
    QVERIFY(waitForModel(w, lcmModel, true, 60000));
    s = w.collectSettings();
    QCOMPARE(s.sampler, SamplerKind::DDIM);
    QCOMPARE(s.steps, 7);
    QCOMPARE(s.guidance, 2.5);
  }

  void familyGroupsAndPresetsFollowTheModel() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    auto* presets = child<SizePresetBox>(w, "sizePresetCombo");
    auto* vae = child<QLineEdit>(w, "vaeEdit");
    auto* target = child<QCheckBox>(w, "targetFollowCheck");
    auto* refiner = child<QComboBox>(w, "refinerCombo");
    auto* scroll = child<QScrollArea>(w, "controlsScroll");
    QVERIFY(presets && vae && target && refiner && scroll);
    struct Case {
      const char* source;
      const char* family;
      bool sdxl, sd3, vae;
    };
    const Case cases[] = {{"analytic", "analytic", false, false, false},
                          {"random:tiny", "sd1", false, false, true},
                          {"random:sdxl-tiny", "sdxl", true, false, true},
                          {"random:sdxl-refiner-tiny", "sdxl-refiner", true, false, true},
                          {"random:sd3-tiny", "sd3", false, true, true}};
    for (const Case& c : cases) {
      const QString source = QString::fromLatin1(c.source);
      QVERIFY2(selectModel(w, source), c.source);
      QCOMPARE(w.modelFamily(), QString::fromLatin1(c.family));
      QVERIFY2(w.sdxlGroup()->isVisibleTo(&w) == c.sdxl, c.source);
      QVERIFY2(w.sd3Group()->isVisibleTo(&w) == c.sd3, c.source);
      QVERIFY2(vae->isEnabled() == c.vae, c.source);
      // A refiner model has no target size and no refiner of its own.
      if (c.sdxl) {
        const bool base = QString::fromLatin1(c.family) == QLatin1String("sdxl");
        QCOMPARE(target->isVisibleTo(&w), base);
        QCOMPARE(refiner->isVisibleTo(&w), base);
      }
      // Presets: the registry's list of the family, the model's own size first when it is not in it.
      const ModelFamily& family = registryFamily(w.modelFamily());
      const QSize native(child<QSpinBox>(w, "imageWidthSpin")->value(), child<QSpinBox>(w, "imageHeightSpin")->value());
      std::vector<QSize> expected;
      for (const SizePreset& p : family.size_presets) expected.emplace_back(p.width, p.height);
      if (!expected.empty() && std::find(expected.begin(), expected.end(), native) == expected.end())
        expected.insert(expected.begin(), native);
      QVERIFY2(presets->presetCount() == static_cast<int>(expected.size()), c.source);
      QCOMPARE(presets->isVisibleTo(&w), !expected.empty());
      for (int i = 0; i < static_cast<int>(expected.size()); ++i) {
        QCOMPARE(presetAt(presets, i + 1), expected[i]);
        QCOMPARE(presets->itemText(i + 1), sizePresetLabel(expected[i].width(), expected[i].height(), expected[i] == native));
      }
      if (!expected.empty()) QCOMPARE(presetAt(presets, presets->currentIndex()), native);  // native shown
      // The family's group fits the settings panel, which never scrolls sideways.
      QTRY_VERIFY2(scroll->widget()->width() <= scroll->viewport()->width(), c.source);
    }
    // The labels name the aspect and the orientation.
    QCOMPARE(sizePresetLabel(1216, 832, false), QStringLiteral("1216 \u00d7 832 (19:13, landscape)"));
    QCOMPARE(sizePresetLabel(832, 1216, false), QStringLiteral("832 \u00d7 1216 (13:19, portrait)"));
    QCOMPARE(sizePresetLabel(1024, 1024, true), QStringLiteral("1024 \u00d7 1024 (1:1, native)"));
    // SDXL offers its one-megapixel buckets.
    QVERIFY(selectModel(w, QStringLiteral("random:sdxl-tiny")));
    QVERIFY(presets->findData(QSize(1344, 768)) > 0);
    QVERIFY(presets->findData(QSize(640, 1536)) > 0);
  }

  void aPresetSetsTheSizeAndEditingShowsCustom() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY(selectModel(w, QStringLiteral("random:sdxl-tiny")));
    auto* presets = child<SizePresetBox>(w, "sizePresetCombo");
    auto* iw = child<QSpinBox>(w, "imageWidthSpin");
    auto* ih = child<QSpinBox>(w, "imageHeightSpin");
    auto* native = child<QCheckBox>(w, "nativeSizeCheck");
    const QSize nativeSize(iw->value(), ih->value());
    const int portrait = presets->findData(QSize(832, 1216));
    QVERIFY(portrait > 0);
    presets->setCurrentIndex(portrait);
    Q_EMIT presets->activated(portrait);  // what a click on the entry does
    QCOMPARE(iw->value(), 832);
    QCOMPARE(ih->value(), 1216);
    QVERIFY(!native->isChecked());
    QVERIFY(iw->isEnabled());
    GenerationSettings s = w.collectSettings();
    QCOMPARE(s.image_width, 832);
    QCOMPARE(s.image_height, 1216);
    // The SDXL fields that follow the image size show it.
    QCOMPARE(child<QSpinBox>(w, "originalWidthSpin")->value(), 832);
    QCOMPARE(child<QSpinBox>(w, "targetHeightSpin")->value(), 1216);
    // Free editing stays possible: the box then says "Custom size".
    iw->setValue(1000);
    QCOMPARE(presets->currentIndex(), 0);
    QCOMPARE(w.collectSettings().image_width, 1000);
    // The native entry goes back to the model's own size.
    const int nativeEntry = presets->findData(nativeSize);
    QVERIFY(nativeEntry > 0);
    presets->setCurrentIndex(nativeEntry);
    Q_EMIT presets->activated(nativeEntry);
    QVERIFY(native->isChecked());
    QCOMPARE(QSize(iw->value(), ih->value()), nativeSize);
    QCOMPARE(w.collectSettings().image_width, 0);
  }

  void sdxlConditioningFollowsTheImageSizeUntilSet() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY(selectModel(w, QStringLiteral("random:sdxl-tiny")));
    auto* follow = child<QCheckBox>(w, "originalFollowCheck");
    auto* ow = child<QSpinBox>(w, "originalWidthSpin");
    auto* aesthetic = child<QDoubleSpinBox>(w, "aestheticScoreSpin");
    auto* switchAt = child<QDoubleSpinBox>(w, "refinerSwitchSpin");
    QVERIFY(follow->isChecked());
    QVERIFY(!ow->isEnabled());
    QCOMPARE(ow->value(), child<QSpinBox>(w, "imageWidthSpin")->value());
    GenerationSettings s = w.collectSettings();
    QCOMPARE(s.original_width, 0);  // the engine's default: the image size
    QCOMPARE(s.target_width, 0);
    QCOMPARE(s.refiner, std::string());
    // Aesthetic scores and the switch apply only with a refiner.
    QVERIFY(!aesthetic->isEnabled());
    QVERIFY(!switchAt->isEnabled());
    w.sdxlPanel()->setRefiner(QStringLiteral("random:sdxl-refiner-tiny"));
    QVERIFY(aesthetic->isEnabled());
    QVERIFY(switchAt->isEnabled());

    setEveryFamilyField(w, QStringLiteral("random:sdxl-refiner-tiny"));
    s = w.collectSettings();
    GenerationSettings want = everyFieldSet("random:sdxl-refiner-tiny");
    // SD3's fields do not go into an SDXL job.
    want.use_t5 = true;
    want.t5_device.clear();
    want.flow_shift = 0.0;
    compareFamilyFields(s, want);

    // A refiner model: its scores apply, no target size and no refiner in the job.
    QVERIFY(selectModel(w, QStringLiteral("random:sdxl-refiner-tiny")));
    QVERIFY(aesthetic->isEnabled());
    s = w.collectSettings();
    QCOMPARE(s.original_width, 2048);
    QCOMPARE(s.aesthetic_score, 7.5);
    QCOMPARE(s.target_width, 0);
    QCOMPARE(s.refiner, std::string());

    // Another family's job carries none of it (an SD 1.5 image's infotext names no refiner)...
    QVERIFY(selectModel(w, QStringLiteral("random:tiny")));
    s = w.collectSettings();
    compareFamilyFields(s, [] {
      GenerationSettings d;
      d.vae = "/models/sdxl-vae-fp16-fix";  // the VAE override is for every latent model
      return d;
    }());
    // ...but SD3's do go into an SD3 job, and the panels keep the SDXL values for later.
    QVERIFY(selectModel(w, QStringLiteral("random:sd3-tiny")));
    s = w.collectSettings();
    QCOMPARE(s.t5_device, std::string("cpu"));
    QCOMPARE(s.flow_shift, 2.5);
    QCOMPARE(s.refiner, std::string());
    compareFamilyFields(panelFields(w), everyFieldSet("random:sdxl-refiner-tiny"));
  }

  void everyFieldSurvivesTheSavedSession() {
    auto f = openWindow();
    QVERIFY(f);
    const QString refinerPath = f->dir.filePath(QStringLiteral("sd_xl_refiner_1.0.safetensors"));
    {
      MainWindow& w = *f->window;
      QVERIFY(selectModel(w, QStringLiteral("random:sdxl-tiny")));
      setEveryFamilyField(w, refinerPath);
      w.close();
    }
    f->window.reset();
    std::unique_ptr<MainWindow> again = reopenWindow(*f);
    again->show();
    compareFamilyFields(panelFields(*again), everyFieldSet(refinerPath.toStdString()));
    QCOMPARE(again->sdxlPanel()->refiner(), refinerPath);
    // The job of the restored SDXL model carries them (SD3's excepted).
    QCOMPARE(again->modelPicker()->currentSource(), QStringLiteral("random:sdxl-tiny"));
    const GenerationSettings s = again->collectSettings();
    QCOMPARE(s.refiner, refinerPath.toStdString());
    QCOMPARE(s.crop_top, 32);
    QCOMPARE(s.vae, std::string("/models/sdxl-vae-fp16-fix"));

    // T5 off is remembered too.
    child<QCheckBox>(*again, "useT5Check")->setChecked(false);
    QVERIFY(!child<QComboBox>(*again, "t5DeviceCombo")->isEnabled());
    again->close();
    again.reset();
    std::unique_ptr<MainWindow> third = reopenWindow(*f);
    third->show();
    QVERIFY(!child<QCheckBox>(*third, "useT5Check")->isChecked());
    QCOMPARE(panelFields(*third).use_t5, false);
  }

  void infotextRestoresEveryField() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    QVERIFY(selectModel(w, QStringLiteral("random:sdxl-tiny")));
    // As another tool (or this app) writes them into a PNG's "parameters" text.
    QImage image(64, 64, QImage::Format_RGB888);
    image.fill(Qt::darkBlue);
    image.setText(QStringLiteral("parameters"),
                  QStringLiteral("a lighthouse\nNegative prompt: fog\nSteps: 30, Sampler: Euler, CFG scale: 7, Seed: 5, "
                                 "Size: 832x1216, Model: sd_xl_base_1.0, VAE: /models/sdxl-vae-fp16-fix, "
                                 "Refiner: sd_xl_refiner_1.0.safetensors, Refiner switch at: 0.65, "
                                 "Original size: 2048x1536, Crop: 64x32, Target size: 1152x896, Aesthetic score: 7.5, "
                                 "Negative aesthetic score: 1.5, Shift: 2.5, T5 device: cpu"));
    const QString path = f->dir.filePath(QStringLiteral("sdxl.png"));
    QVERIFY(image.save(path));
    QVERIFY(dropFile(&w, path));
    QVERIFY2(w.banner()->level() != MessageBanner::Level::Error, qPrintable(w.banner()->text()));
    compareFamilyFields(panelFields(w), everyFieldSet("sd_xl_refiner_1.0.safetensors"));
    QCOMPARE(child<QComboBox>(w, "refinerCombo")->currentText(), QStringLiteral("sd_xl_refiner_1.0.safetensors"));
    QVERIFY(!child<QCheckBox>(w, "originalFollowCheck")->isChecked());
    QCOMPARE(child<QSpinBox>(w, "originalWidthSpin")->value(), 2048);
    QCOMPARE(child<QSpinBox>(w, "imageWidthSpin")->value(), 832);
    QCOMPARE(child<SizePresetBox>(w, "sizePresetCombo")->currentData().toSize(), QSize(832, 1216));

    // "T5: off", and a text without the SDXL fields puts them back to their defaults.
    image.setText(QStringLiteral("parameters"),
                  QStringLiteral("a lighthouse\nSteps: 28, Sampler: Euler, CFG scale: 7, Seed: 6, Size: 1024x1024, T5: off"));
    QVERIFY(image.save(path));
    QVERIFY(dropFile(&w, path));
    GenerationSettings want;
    want.use_t5 = false;
    compareFamilyFields(panelFields(w), want);
    QVERIFY(child<QCheckBox>(w, "originalFollowCheck")->isChecked());
    QCOMPARE(child<QComboBox>(w, "refinerCombo")->currentText(), QStringLiteral("None"));
  }
};

QTEST_MAIN(WindowFamiliesTest)
#include "test_window_families.moc"
