#include "ui/job_description.h"

#include <QCoreApplication>

namespace drf::ui {

static QString tr(const char* text) { return QCoreApplication::translate("JobDescription", text); }

QString modeSummary(const GenerationSettings& s) {
  if (s.mode == Mode::Sequential) return tr("sequential");
  return tr("%1, width %2").arg(QString::fromLatin1(mode_name(s.mode))).arg(s.width);
}

QString settingsSummary(const GenerationSettings& s) {
  return tr("%1 steps, %2, CFG %3, seed %4, %5")
      .arg(s.steps)
      .arg(QString::fromLatin1(sampler_name(s.sampler)))
      .arg(s.guidance)
      .arg(s.seed)
      .arg(modeSummary(s));
}

QString elidedPrompt(const std::string& prompt, int maxChars) {
  QString p = QString::fromStdString(prompt).simplified();
  if (p.isEmpty()) return tr("(no prompt)");
  if (p.size() > maxChars) p = p.left(maxChars - 1) + QChar(0x2026);
  return p;
}

QString jobSummary(const JobRequest& job) {
  const QString what = job.kind == JobKind::Compare
                           ? tr("Compare (%1 seed(s))").arg(job.compare_seeds)
                           : tr("Generate");
  return tr("%1 \u201c%2\u201d - %3").arg(what, elidedPrompt(job.settings.prompt), settingsSummary(job.settings));
}

}  // namespace drf::ui
