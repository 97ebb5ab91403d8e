// The VAE override of any latent-space model: a .safetensors file (diffusers, LDM or
// checkpoint names) or a diffusers VAE folder, e.g. the fp16-fixed SDXL VAE; empty = the
// model's own. GenerationSettings::vae, the settings JSON and the infotext's "VAE" field.
#pragma once
#include <QWidget>

#include "core/engine/settings.h"

class QLineEdit;
class QToolButton;

namespace drf::ui {

class VaePicker : public QWidget {
  Q_OBJECT
 public:
  explicit VaePicker(QWidget* parent = nullptr);

  QString vae() const;  // trimmed; "" = the model's own
  void setVae(const QString& path);
  // Pixel-space models (built-in, analytic) have no VAE: the field is disabled and says why.
  void setModelHasVae(bool hasVae);
  bool modelHasVae() const { return model_has_vae_; }
  void apply(GenerationSettings& s) const { s.vae = vae().toStdString(); }
  void load(const GenerationSettings& s) { setVae(QString::fromStdString(s.vae)); }

 private:
  QLineEdit* edit_;
  QToolButton* choose_;
  bool model_has_vae_ = true;
};

}  // namespace drf::ui
