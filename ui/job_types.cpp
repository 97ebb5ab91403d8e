#include "ui/job_types.h"

namespace drf::ui {

void registerJobMetaTypes() {
  qRegisterMetaType<JobRequest>();
  qRegisterMetaType<JobProgress>();
  qRegisterMetaType<OutcomePtr>();
  qRegisterMetaType<ComparisonPtr>();
  qRegisterMetaType<DeviceList>();
  qRegisterMetaType<ModelSummary>();
  qRegisterMetaType<GenerationSettings>();
}

}  // namespace drf::ui
