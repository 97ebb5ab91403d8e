#include "core/engine/generation_job.h"

#include <chrono>

#include "core/engine/denoiser_accelerator.h"
#include "core/engine/device_selection.h"
#include "core/engine/draft_memory.h"
#include "core/engine/image_convert.h"
#include "core/engine/spmd_runner.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/sequential_sampler.h"
#include "core/sampling/step_noise.h"
#include "core/util/device_sync.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace {

using Clock = std::chrono::steady_clock;
double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Turns RoundReports into RoundDone events with cheap previews.
class EventForwarder : public SamplingObserver {
 public:
  EventForwarder(Pipeline& p, const JobObserver& o, int steps, Clock::time_point start)
      : pipeline_(p), observer_(o), steps_(steps), start_(start) {}
  void on_round(const RoundReport& r) override {
    JobEvent e;
    e.kind = JobEventKind::RoundDone;
    e.round = r.round;
    e.rounds_total = r.rounds_total;
    e.steps_done = r.steps_done;
    e.steps_total = steps_;
    e.latencies_done = r.latencies_done;
    e.latencies_total = r.latencies_total;
    e.elapsed_ms = ms_between(start_, Clock::now());
    e.preview = to_rgb8(pipeline_.preview(r.refined)[0]);
    if (r.drafts.defined()) {
      auto pics = pipeline_.preview(r.drafts);
      for (int64_t j = 0; j < pics.size(0); ++j) e.drafts.push_back(to_rgb8(pics[j]));
    }
    e.timings = r.timings;
    observer_(e);
  }

 private:
  Pipeline& pipeline_;
  const JobObserver& observer_;
  int steps_;
  Clock::time_point start_;
};

}  // namespace

Error translate_torch_error(const std::exception& e, const std::string& device) {
  const std::string what = e.what();
  const std::string first_line = what.substr(0, what.find('\n'));
  if (what.find("out of memory") != std::string::npos)
    return DeviceError("out of memory on " + device +
                       ". Try a smaller width, a smaller draft memory, fewer devices or a smaller image size. (" +
                       first_line + ")");
  if (what.find("CUDA") != std::string::npos || what.find("NCCL") != std::string::npos ||
      what.find("cuda") != std::string::npos)
    return DeviceError("device failure on " + device + ": " + first_line);
  return Error(ErrorKind::Internal, first_line);
}

void GenerationJob::check_cancel() const {
  if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw Cancelled();
}

GenerationResult GenerationJob::run() {
  start_ = Clock::now();
  emit(JobEvent{JobEventKind::Started});
  std::string device_name = settings_.devices.empty() ? "cpu" : "cuda:" + std::to_string(settings_.devices[0]);
  try {
    return run_unguarded();
  } catch (const Cancelled& c) {
    JobEvent e;
    e.kind = JobEventKind::Cancelled;
    e.message = "cancelled";
    e.elapsed_ms = ms_between(start_, Clock::now());
    emit(e);
    throw;
  } catch (const Error& err) {
    JobEvent e;
    e.kind = JobEventKind::Failed;
    e.message = err.what();
    e.error_kind = error_kind_name(err.kind());
    core_log()->error("generation failed: {}", err.what());
    emit(e);
    throw;
  } catch (const std::exception& ex) {
    Error err = translate_torch_error(ex, device_name);
    JobEvent e;
    e.kind = JobEventKind::Failed;
    e.message = err.what();
    e.error_kind = error_kind_name(err.kind());
    core_log()->error("generation failed: {}", ex.what());
    emit(e);
    throw_as_kind(err);
  }
}

GenerationResult GenerationJob::run_unguarded() {
  const GenerationSettings& s = settings_;
  validate_settings(s);
  auto devices = select_devices(s);
  PipelineRequest request{s.model, s.tokenizer_dir, devices.front(), select_dtype(s, devices.front())};
  std::shared_ptr<LoadedModel> model = provider_(request);
  std::shared_ptr<Pipeline> pipeline = model->shared_pipeline();
  check_cancel();

  GenerationResult result;
  if (pipeline->device().is_cpu() && !devices.front().is_cpu()) {
    // A CPU-only model (the analytic one) ignores the GPUs rather than failing.
    result.warnings.push_back(pipeline->summary().name + " runs on the CPU only; the selected GPUs are not used");
    devices = {torch::Device(torch::kCPU)};
  }
  result.settings = s;
  result.model_name = pipeline->summary().name;
  result.model_hash = pipeline->model_hash();
  const auto shape = pipeline->state_shape(s.image_width, s.image_height);
  const DraftPlan plan = plan_draft_refine(s.steps, s.width, s.mode);

  for (const auto& d : devices) reset_device_peak_reserved(d);
  const auto t_text = Clock::now();
  Conditioning cond = pipeline->encode(s.prompt, s.negative_prompt, s.guidance, s.clip_skip, result.warnings);
  pipeline->condition_on_size(cond, shape);  // SDXL's size/crop time ids for this image
  for (const auto& w : result.warnings) core_log()->warn("{}", w);
  result.stats.text_encode_ms = ms_between(t_text, Clock::now());
  JobEvent encoded;
  encoded.kind = JobEventKind::TextEncoded;
  encoded.steps_total = s.steps;
  encoded.rounds_total = static_cast<int>(plan.rounds.size());
  encoded.latencies_total = plan.serial_latencies();
  encoded.message = result.warnings.empty() ? "" : result.warnings.front();
  emit(encoded);
  check_cancel();

  NoiseSchedule schedule(pipeline->schedule_config());
  SamplerOptions so;
  so.kind = s.sampler;
  so.steps = s.steps;
  so.eta = s.eta;
  so.karras_sigmas = s.karras_sigmas;
  so.seed = s.seed;
  so.state_shape = shape;
  so.state_options = torch::TensorOptions().dtype(torch::kFloat32).device(devices.front());
  const torch::Tensor noise = seeded_noise(s.seed, shape, torch::TensorOptions().dtype(torch::kFloat32));
  // Drafts beyond what the draft memory budget holds run in further network calls per round.
  const int max_states =
      s.mode == Mode::Sequential ? 0
                                 : max_states_per_call(s.draft_memory_mb, pipeline->activation_bytes_per_row(shape),
                                                       cond.rows_per_state());

  std::unique_ptr<EventForwarder> forwarder;
  if (observer_) forwarder = std::make_unique<EventForwarder>(*pipeline, observer_, s.steps, start_);

  const auto t_sample = Clock::now();
  SamplingResult sampled;
  if (devices.size() == 1) {
    auto sampler = make_sampler(schedule, so);
    auto denoiser = model->denoiser_for(devices.front());
    GuidedPredictor predictor(*denoiser, cond, max_states);
    LocalEvaluator evaluator(predictor, cancel_, devices.front().str(), /*measure=*/observer_ != nullptr);
    auto x0 = sampler->initial_state(noise.to(devices.front()));
    sampled = s.mode == Mode::Sequential ? sample_sequential(*sampler, evaluator, x0, forwarder.get())
                                         : sample_draft_refine(*sampler, evaluator, plan, x0, forwarder.get());
  } else {
    SpmdRunRequest req;
    req.pipeline = pipeline.get();
    // The engine's cached replicas (CUDA graphs on GPUs), as for one device: graphs are
    // captured once per shape and kept across jobs. DRIFFUSION_NO_CUDA_GRAPHS=1 turns them off.
    req.denoiser_for = [&model](const torch::Device& d) { return model->denoiser_for(d); };
    req.conditioning = cond;
    req.schedule = schedule;
    req.sampler_options = so;
    req.plan = plan;
    req.x0 = make_sampler(schedule, so)->initial_state(noise);
    req.devices = devices;
    req.group = model->transport_group(devices);
    req.observer = forwarder.get();
    req.cancel = cancel_;
    req.measure = observer_ != nullptr;
    req.max_states_per_call = max_states;
    sampled = run_spmd(req).sampling;
  }
  // Work is queued asynchronously on GPUs: the sampling time ends when the device is done.
  for (const auto& d : devices) synchronize_device(d);
  result.stats.sampling_ms = ms_between(t_sample, Clock::now());
  for (const auto& d : devices) result.stats.sampling_peak_mb.push_back(device_peak_reserved(d) / 1048576.0);
  check_cancel();

  JobEvent decoding;
  decoding.kind = JobEventKind::Decoding;
  decoding.steps_done = decoding.steps_total = s.steps;
  emit(decoding);
  const auto t_decode = Clock::now();
  torch::Tensor image = pipeline->decode(sampled.sample);
  result.stats.decode_ms = ms_between(t_decode, Clock::now());
  result.image = to_rgb8(image);
  result.image_float = to_float_hwc(image);

  RunStats& st = result.stats;
  st.steps = s.steps;
  st.width = plan.width;
  st.mode = mode_name(s.mode);
  st.rounds = sampled.rounds;
  st.serial_latencies = sampled.serial_latencies;
  st.sequential_latencies = s.steps;
  st.theoretical_speedup = static_cast<double>(s.steps) / sampled.serial_latencies;
  st.max_states_per_call = max_states;
  for (const auto& d : devices) st.devices.push_back(d.str());
  st.total_ms = ms_between(start_, Clock::now());

  JobEvent done;
  done.kind = JobEventKind::Finished;
  done.steps_done = done.steps_total = s.steps;
  done.rounds_total = done.round = sampled.rounds;
  done.latencies_done = done.latencies_total = sampled.serial_latencies;
  done.elapsed_ms = st.total_ms;
  done.preview = result.image;
  emit(done);
  return result;
}

}  // namespace drf
