// Which registry family (core/models/model_families.h) the GUI's selected model belongs
// to: at once for the bare names and random:* models, from the engine's description otherwise.
#pragma once
#include <QString>

#include "core/engine/engine.h"

namespace drf::ui {

// "sdxl", "sd3", "sd1", ...; empty when the engine must tell (a file or folder) or nobody claims it.
QString familyIdOfSource(const QString& source);
QString familyIdOf(const ModelSummary& summary);  // from its architecture; empty when unknown
// Whether the family's models decode through a VAE (latent-space families); false when unknown.
bool familyHasVae(const QString& familyId);
// Every family with network weights takes a LoRA; the analytic mixture has none.
bool familyTakesLora(const QString& familyId);

}  // namespace drf::ui
