// The LoRA field of the Model group (ui/lora_picker.h): what is typed reaches the job's
// settings, a list that cannot be read keeps Generate from starting and says why, the analytic
// model (no weights) disables it, and the list is restored with the session and from an image.
#include <QLineEdit>
#include <QtTest>

#include "tests/gui/gui_test_support.h"
#include "ui/lora_picker.h"
#include "ui/message_banner.h"
#include "ui/model_picker.h"

using namespace drf;
using namespace drf::ui;
using namespace drf::ui::test;

class WindowLoraTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void typedLorasReachTheJobAndBadOnesStopIt() {
    auto f = openWindow();
    QVERIFY(f);
    MainWindow& w = *f->window;
    w.modelPicker()->setCurrentSource(QStringLiteral("random:tiny"));
    QVERIFY(waitForModel(w, QStringLiteral("random:tiny"), true, 60000));
    auto* edit = w.findChild<QLineEdit*>(QStringLiteral("loraEdit"));
    QVERIFY(edit && edit->isEnabled());
    edit->setText(QStringLiteral("/loras/style.safetensors:0.5; /loras/lcm-lora-sdv1-5.safetensors"));
    QVERIFY(w.loraPicker()->error().isEmpty());
    GenerationSettings s = w.collectSettings();
    QCOMPARE(s.loras.size(), std::size_t(2));
    QCOMPARE(s.loras[0], (LoraChoice{"/loras/style.safetensors", 0.5}));
    QCOMPARE(s.loras[1], (LoraChoice{"/loras/lcm-lora-sdv1-5.safetensors", 1.0}));

    // Add appends a file at strength 1 in the one text form.
    w.loraPicker()->addFile(QStringLiteral("/loras/detail.safetensors"));
    QCOMPARE(edit->text(), QStringLiteral("/loras/style.safetensors:0.5; /loras/lcm-lora-sdv1-5.safetensors:1; "
                                          "/loras/detail.safetensors:1"));

    // An absurd strength: named in the field's tooltip, and Generate refuses with the reason.
    edit->setText(QStringLiteral("/loras/style.safetensors:99"));
    QVERIFY(w.loraPicker()->error().contains(QStringLiteral("between -10 and 10")));
    QVERIFY(edit->toolTip().contains(QStringLiteral("between -10 and 10")));
    QCOMPARE(w.generate(), 0);
    QVERIFY2(w.banner()->text().contains(QStringLiteral("LoRA")), qPrintable(w.banner()->text()));
    QVERIFY(w.collectSettings().loras.empty());
    edit->setText(QString());
    QVERIFY(w.loraPicker()->error().isEmpty());
  }

  void theAnalyticModelTakesNoLora() {
    auto f = openWindow();  // starts on the analytic model
    QVERIFY(f);
    MainWindow& w = *f->window;
    auto* edit = w.findChild<QLineEdit*>(QStringLiteral("loraEdit"));
    QVERIFY(edit);
    w.loraPicker()->setText(QStringLiteral("/loras/style.safetensors"));
    QVERIFY(!edit->isEnabled());
    QVERIFY(w.collectSettings().loras.empty());
    // Even a bad list does not stop a model that takes none.
    w.loraPicker()->setText(QStringLiteral("/loras/style.safetensors:99"));
    QVERIFY(generateAndWait(w) != 0);
  }

  void theListComesBackWithTheSessionAndFromAnImage() {
    auto f = openWindow();
    QVERIFY(f);
    f->window->loraPicker()->setText(QStringLiteral("/loras/a.safetensors:0.25"));
    f->window->close();  // saves the session
    auto again = reopenWindow(*f);
    QCOMPARE(again->loraPicker()->text(), QStringLiteral("/loras/a.safetensors:0.25"));

    GenerationSettings s;
    s.loras = {{"/loras/b.safetensors", -0.5}, {"/loras/c.safetensors", 1.0}};
    again->applySettings(s, false);
    QCOMPARE(again->loraPicker()->text(), QStringLiteral("/loras/b.safetensors:-0.5; /loras/c.safetensors:1"));
  }
};

QTEST_MAIN(WindowLoraTest)
#include "test_window_lora.moc"
