// Help > About: version, build facts and credits for the image sets and libraries.
#pragma once
#include <QString>

class QWidget;

namespace drf::ui {

QString aboutText();  // rich text
void showAboutDialog(QWidget* parent);

}  // namespace drf::ui
