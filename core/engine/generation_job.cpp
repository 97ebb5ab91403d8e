#include "core/engine/generation_job.h"

#include <chrono>
#include <mutex>
#include <set>

#include "core/engine/consistency_defaults.h"
#include "core/engine/denoiser_accelerator.h"
#include "core/engine/device_selection.h"
#include "core/engine/draft_memory.h"
#include "core/engine/image_convert.h"
#include "core/engine/job_memory.h"
#include "core/engine/refiner_switch.h"
#include "core/engine/process_world.h"
#include "core/engine/spmd_runner.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/sampler_registry.h"
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

// A warning at warning level the first time this process gives it, at debug level after: a
// bench or a --count run of many jobs repeats the same note (the analytic model's "runs on the
// CPU only" came 63 times). Every result still carries its warnings.
void warn_once(const std::string& warning) {
  static std::mutex mutex;
  static std::set<std::string> given;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    first = given.insert(warning).second;
  }
  if (first) core_log()->warn("{}", warning);
  else core_log()->debug("{}", warning);
}

// The size in "you tried to allocate N bytes" (LibTorch's CPU allocator), 0 when absent.
int64_t bytes_tried(const std::string& what) {
  const std::string key = "tried to allocate ";
  const auto at = what.find(key);
  if (at == std::string::npos) return 0;
  try {
    return std::stoll(what.substr(at + key.size()));
  } catch (const std::exception&) {
    return 0;
  }
}

// The model's schedule with GenerationSettings::flow_shift applied: flow-matching models take it
// (sigma -> shift sigma / (1 + (shift - 1) sigma)); others have no shift and say it is ignored.
ScheduleConfig job_schedule_config(ScheduleConfig config, const GenerationSettings& s,
                                   std::vector<std::string>& warnings) {
  if (s.flow_shift <= 0) return config;
  if (config.flow_matching) config.shift = s.flow_shift;
  else warnings.push_back("the flow shift applies to flow-matching models (SD3) only: ignored for this model");
  return config;
}

}  // namespace

Error translate_torch_error(const std::exception& e, const std::string& device) {
  const std::string what = e.what();
  const std::string first_line = what.substr(0, what.find('\n'));
  // The CPU allocator's failure ("DefaultCPUAllocator: can't allocate memory: you tried to
  // allocate N bytes") and std::bad_alloc are out-of-memory too: exit 4 with the device and the
  // size, never an internal error with a backtrace.
  const bool cpu_oom = what.find("can't allocate memory") != std::string::npos ||
                       what.find("std::bad_alloc") != std::string::npos ||
                       dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
  if (cpu_oom) {
    const int64_t tried = bytes_tried(what);
    const auto available = available_device_memory(-1);
    // Host memory, whatever devices the job runs on.
    return DeviceError(std::string("out of memory on cpu") + (device == "cpu" ? "" : " (host memory, job on " + device + ")") +
                       (tried > 0 ? ": one buffer needed " + approximate_size(tried) : std::string()) +
                       (available ? ", this machine has " + approximate_size(*available) + " available" : std::string()) +
                       ". Try a smaller image size, a smaller width or a smaller draft memory.");
  }
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
    // Info, not error: the caller reports the failure (the CLI prints it once, the GUI shows
    // the Failed event); at error level the CLI printed every failure twice.
    core_log()->info("generation failed: {}", err.what());
    emit(e);
    throw;
  } catch (const std::exception& ex) {
    Error err = translate_torch_error(ex, device_name);
    JobEvent e;
    e.kind = JobEventKind::Failed;
    e.message = err.what();
    e.error_kind = error_kind_name(err.kind());
    core_log()->info("generation failed: {}", err.what());  // the first line: no C++ backtrace
    emit(e);
    throw_as_kind(err);
  }
}

GenerationResult GenerationJob::run_unguarded() {
  // LibTorch has no half-precision LayerNorm or GroupNorm on the CPU ("not implemented for
  // 'Half'"): fp16 there, typed or read from a GPU image's settings, runs in fp32 with a warning,
  // and the image's stored settings say fp32.
  std::vector<std::string> dtype_warnings;
  if (settings_.devices.empty() && settings_.dtype == "fp16") {
    settings_.dtype = "fp32";
    dtype_warnings.push_back("fp16 is not available on the CPU: running in fp32");
  }
  validate_settings(settings_);
  // The stored settings say how many warm-up steps ran, not "auto" (settings.h).
  if (settings_.mode != Mode::Sequential) settings_.warmup_steps = effective_warmup(settings_);
  const GenerationSettings& s = settings_;
  auto devices = select_devices(s);
  PipelineRequest request{s.model, s.tokenizer_dir, devices.front(), select_dtype(s, devices.front())};
  request.vae = s.vae;
  request.t5_device = s.t5_device;
  request.loras = s.loras;
  std::shared_ptr<LoadedModel> model = provider_(request);
  std::shared_ptr<Pipeline> pipeline = model->shared_pipeline();
  // Base -> refiner: a second model, on the same device and dtype, for the low-noise steps (the
  // engine keeps both loaded while this job holds them).
  std::shared_ptr<LoadedModel> refiner_model;
  if (!s.refiner.empty()) {
    PipelineRequest refiner_request = request;
    refiner_request.source = s.refiner;
    refiner_request.vae.clear();  // the base decodes
    refiner_request.loras.clear();  // a LoRA is made for the base's networks, not the refiner's
    refiner_model = provider_(refiner_request);
  }
  // One rank of a multi-process job (driffusion generate --distributed): every rank must have
  // loaded the same weights, or the ranks would refine different trajectories.
  const std::shared_ptr<ProcessWorld> world = current_process_world();
  if (world) world->verify_same("model hash", pipeline->model_hash([this] { check_cancel(); }));
  check_cancel();

  GenerationResult result;
  result.warnings = dtype_warnings;
  if (pipeline->device().is_cpu() && !devices.front().is_cpu()) {
    // A CPU-only model (the analytic one) ignores the GPUs rather than failing.
    result.warnings.push_back(pipeline->summary().name + " runs on the CPU only; the selected GPUs are not used");
    devices = {torch::Device(torch::kCPU)};
  }
  if (pipeline->schedule_config().consistency_distilled && s.sampler != SamplerKind::LCM)
    result.warnings.push_back("this model is LCM-distilled: it is made for the LCM sampler (about " +
                              std::to_string(kConsistencySteps) + " steps, CFG 1); " +
                              std::string(sampler_info(s.sampler).display_name) + " draws poor images with it");
  result.settings = s;
  result.model_name = pipeline->summary().name;
  const auto shape = pipeline->state_shape(s.image_width, s.image_height);
  const DraftPlan plan = plan_draft_refine(s.steps, s.width, s.mode, effective_warmup(s));

  // Drafts beyond what the draft memory budget holds run in further network calls per round.
  // Rows per state as Conditioning::rows_per_state will say: unconditional + conditional when guided.
  const int rows_per_state = s.guidance != 1.0 ? 2 : 1;
  const int max_states =
      s.mode == Mode::Sequential ? 0
                                 : max_states_per_call(s.draft_memory_mb, pipeline->activation_bytes_per_row(shape),
                                                       rows_per_state);

  // The largest network call of the job must fit in the device's memory (sequential: one state;
  // DRiffusion: a round's drafts, at most max_states per call). Checked before the first
  // network call (the text encoder): a job that cannot fit costs nothing.
  {
    const int states = s.mode == Mode::Sequential ? 1 : (max_states > 0 ? std::min(max_states, plan.width) : plan.width);
    const torch::Device& d = devices.front();
    check_fits(job_activation_bytes(pipeline->activation_bytes_per_row(shape), rows_per_state, states),
               available_device_memory(d.is_cuda() ? d.index() : -1), d.str(),
               (s.image_width > 0 ? "an image of " + std::to_string(s.image_width) + "x" + std::to_string(s.image_height)
                                  : std::string("an image of the native size")) +
                   (states > 1 ? " with " + std::to_string(states) + " drafts per call" : ""));
  }

  // The schedule with the user's flow shift (0 = the model's scheduler config).
  const ScheduleConfig schedule_config = job_schedule_config(pipeline->schedule_config(), s, result.warnings);

  for (const auto& d : devices) reset_device_peak_reserved(d);
  const auto t_text = Clock::now();
  pipeline->set_text_options(s, result.warnings);  // SD3: T5 on/off
  // A prompt this model encoded lately (a comparison's other run, a re-rolled seed) is not encoded again.
  const std::string text = text_key(s);
  Conditioning cond = model->text_conditioning().get(text, result.warnings, [&](std::vector<std::string>& w) {
    return pipeline->encode(s.prompt, s.negative_prompt, s.guidance, s.clip_skip, w);
  });
  pipeline->condition_on_size(cond, shape, s);  // SDXL's size/crop time ids for this image
  if (refiner_model) {  // the refiner's own text conditioning rides along as extras
    Pipeline& refiner = refiner_model->pipeline();
    if (refiner.state_shape(s.image_width, s.image_height) != shape)
      throw UsageError("the refiner " + refiner.summary().name + " works on other latents than the base model " +
                       pipeline->summary().name + " at this image size");
    Conditioning refiner_cond = refiner_model->text_conditioning().get(text, result.warnings, [&](std::vector<std::string>& w) {
      return refiner.encode(s.prompt, s.negative_prompt, s.guidance, s.clip_skip, w);
    });
    refiner.condition_on_size(refiner_cond, shape, s);
    cond = with_refiner_conditioning(cond, refiner_cond);
  }
  for (const auto& w : result.warnings) warn_once(w);
  result.stats.text_encode_ms = ms_between(t_text, Clock::now());
  JobEvent encoded;
  encoded.kind = JobEventKind::TextEncoded;
  encoded.steps_total = s.steps;
  encoded.rounds_total = static_cast<int>(plan.rounds.size());
  encoded.latencies_total = plan.serial_latencies();
  encoded.message = result.warnings.empty() ? "" : result.warnings.front();
  emit(encoded);
  check_cancel();

  NoiseSchedule schedule(schedule_config);
  SamplerOptions so;
  so.kind = s.sampler;
  so.steps = s.steps;
  so.eta = s.eta;
  so.karras_sigmas = s.karras_sigmas;
  so.schedule = s.schedule;
  so.s_noise = s.s_noise;
  so.seed = s.seed;
  so.state_shape = shape;
  so.state_options = torch::TensorOptions().dtype(torch::kFloat32).device(devices.front());
  const torch::Tensor noise = seeded_noise(s.seed, shape, torch::TensorOptions().dtype(torch::kFloat32));

  std::unique_ptr<EventForwarder> forwarder;
  if (observer_) forwarder = std::make_unique<EventForwarder>(*pipeline, observer_, s.steps, start_);

  // The network per device: the base's (cached, CUDA graphs on GPUs), or with a refiner the
  // switch between both at refiner_switch of the schedule's timesteps.
  const double switch_t = refiner_switch_timestep(s.refiner_switch, schedule_config.num_train_timesteps);
  const std::function<std::shared_ptr<Denoiser>(const torch::Device&)> denoiser_on =
      [&model, &refiner_model, switch_t](const torch::Device& d) -> std::shared_ptr<Denoiser> {
    if (!refiner_model) return model->denoiser_for(d);
    return std::make_shared<RefinerSwitchDenoiser>(model->denoiser_for(d), refiner_model->denoiser_for(d), switch_t);
  };

  const auto t_sample = Clock::now();
  SamplingResult sampled;
  if (devices.size() == 1 && !world) {
    auto sampler = make_sampler(schedule, so);
    auto denoiser = denoiser_on(devices.front());
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
    req.denoiser_for = denoiser_on;
    req.conditioning = cond;
    req.schedule = schedule;
    req.sampler_options = so;
    req.plan = plan;
    req.x0 = make_sampler(schedule, so)->initial_state(noise);
    req.devices = devices;
    // Across processes the group is the world's (Gloo or NCCL); every rank measures, since the
    // timings travel in collectives that all ranks must join.
    req.group = world ? world->transport_group(devices.front()) : model->transport_group(devices);
    req.observer = forwarder.get();
    req.cancel = cancel_;
    req.measure = world ? true : observer_ != nullptr;
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
  // A model with NaN or Inf in its weights (or a numerically broken setting) ends in a
  // non-finite latent, which would decode to an all-black image: fail instead.
  if (!torch::isfinite(sampled.sample).all().item<bool>())
    throw InputError("the sampled latent holds NaN or Inf values (the model " + pipeline->summary().name +
                     " produced non-finite numbers; its weights may be corrupt): no image written");
  torch::Tensor image = pipeline->decode(sampled.sample);
  result.stats.decode_ms = ms_between(t_decode, Clock::now());
  result.image = to_rgb8(image);
  result.image_float = to_float_hwc(image);
  // Hashed in the background since the model loaded (a multi-GB file's first hash takes seconds).
  // The image is made: a file that could not be hashed costs its metadata the hash, not the image.
  // A cancel while waiting ends the job as cancelled at once, like a cancel at any other point.
  try {
    result.model_hash = pipeline->model_hash([this] { check_cancel(); });
  } catch (const InputError& e) {
    const std::string warning = std::string("no model hash in the image's metadata: ") + e.what();
    warn_once(warning);
    result.warnings.push_back(warning);
  }

  RunStats& st = result.stats;
  st.steps = s.steps;
  st.width = plan.width;
  st.mode = mode_name(s.mode);
  st.rounds = sampled.rounds;
  st.serial_latencies = sampled.serial_latencies;
  st.sequential_latencies = s.steps;
  st.theoretical_speedup = static_cast<double>(s.steps) / sampled.serial_latencies;
  st.max_states_per_call = max_states;
  if (world)
    for (int r = 0; r < world->size(); ++r) st.devices.push_back(world->label(r));
  else
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
