// Short human-readable summaries of settings and jobs, shared by the queue, history and log.
#pragma once
#include <QString>

#include "core/engine/settings.h"
#include "ui/job_types.h"

namespace drf::ui {

QString modeSummary(const GenerationSettings& s);      // "aggressive, width 4" / "sequential"
QString settingsSummary(const GenerationSettings& s);  // "25 steps, DDIM, CFG 5, seed 42, aggressive, width 4"
QString elidedPrompt(const std::string& prompt, int maxChars = 48);
QString jobSummary(const JobRequest& job);              // "Generate “a red apple” - 25 steps, ..."

}  // namespace drf::ui
