#include "ui/model_family_lookup.h"

#include <algorithm>

#include "core/models/model_families.h"

namespace drf::ui {

QString familyIdOfSource(const QString& source) {
  const std::string s = source.toStdString();
  for (const ModelFamily& f : model_families()) {
    // The bare names are the families' own ("builtin" is the emoji-pixel model, "analytic" itself).
    if ((s == "builtin" && f.id == "emoji-pixel") || (s == "analytic" && f.id == "analytic"))
      return QString::fromStdString(f.id);
    if (std::any_of(f.random_models.begin(), f.random_models.end(), [&](const RandomModel& m) { return m.source == s; }))
      return QString::fromStdString(f.id);
  }
  return {};
}

QString familyIdOf(const ModelSummary& summary) {
  const ModelFamily* f = family_of_architecture(summary.architecture);
  return f ? QString::fromStdString(f->id) : QString();
}

bool familyTakesLora(const QString& familyId) { return familyId != QStringLiteral("analytic"); }

bool familyHasVae(const QString& familyId) {
  for (const ModelFamily& f : model_families())
    if (QString::fromStdString(f.id) == familyId) return f.vae_scaling_factor > 0;
  return false;
}

}  // namespace drf::ui
