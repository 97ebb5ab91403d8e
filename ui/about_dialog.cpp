#include "ui/about_dialog.h"

#include <QMessageBox>

#include "core/util/build_info.h"

namespace drf::ui {

QString aboutText() {
  return QObject::tr(
             "<h3>DRiffusion Studio %1</h3>"
             "<p>Text-to-image generation with DRiffusion draft-and-refine parallel sampling "
             "(Bai, Zhang, Deng, CVPR 2026).</p>"
             "<p>Build: LibTorch %2, CUDA %3, NCCL %4, OpenImageIO %5, Qt %6, %7.</p>"
             "<p><b>Built-in model training images</b> (full credits: NOTICE, installed in "
             "share/doc/driffusion-studio)<br>"
             "Noto Emoji images by Google (npm package emoji-datasource-google 16.0.0), "
             "Apache License 2.0: <a href=\"https://www.apache.org/licenses/LICENSE-2.0\">"
             "https://www.apache.org/licenses/LICENSE-2.0</a>, source "
             "<a href=\"https://github.com/googlefonts/noto-emoji\">"
             "https://github.com/googlefonts/noto-emoji</a>.<br>"
             "Twemoji graphics by Twitter, Inc and other contributors (npm package "
             "emoji-datasource-twitter 16.0.0), licensed under CC-BY 4.0: "
             "<a href=\"https://creativecommons.org/licenses/by/4.0/\">"
             "https://creativecommons.org/licenses/by/4.0/</a>, source "
             "<a href=\"https://github.com/twitter/twemoji\">https://github.com/twitter/twemoji</a>; "
             "composited on white and used at 64x64 pixels for training.</p>"
             "<p><b>Libraries</b><br>"
             "LibTorch (PyTorch, BSD-3-Clause), Qt 6 (LGPL-3.0), OpenImageIO (Apache-2.0), "
             "spdlog (MIT), {fmt} (MIT), nlohmann/json (MIT), OpenBLAS (BSD-3-Clause).</p>")
      .arg(QLatin1String(build::kVersion), QLatin1String(build::kTorchVersion),
           build::kHaveCuda ? QObject::tr("yes") : QObject::tr("no"),
           build::kHaveNccl ? QObject::tr("yes") : QObject::tr("no"),
           build::kHaveOiio ? QObject::tr("yes") : QObject::tr("no"), QLatin1String(qVersion()),
           QLatin1String(build::kCompiler));
}

void showAboutDialog(QWidget* parent) { QMessageBox::about(parent, QObject::tr("About DRiffusion Studio"), aboutText()); }

}  // namespace drf::ui
