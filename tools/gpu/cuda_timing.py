"""Mean microseconds of a CUDA call, for the probes in tools/gpu/ (torch only)."""
import torch


def time_us(fn, repeats=200):
    """Ten untimed calls (allocations, library plans), then the mean of `repeats` between CUDA events."""
    for _ in range(10):
        fn()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(repeats):
        fn()
    stop.record()
    torch.cuda.synchronize()
    return 1e3 * start.elapsed_time(stop) / repeats
