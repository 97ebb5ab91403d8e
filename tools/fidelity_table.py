#!/usr/bin/env python3
"""Fidelity table of docs/fidelity.md from the JSON files of tools/gpu/fidelity_sweep.sh.

  python3 tools/fidelity_table.py SWEEP_DIR [SWEEP_DIR...] [--inc core/sampling/fidelity_table.inc] \
      [--json docs/results/.../fidelity_table_builtin.json] [--how "what was run, where"]

Several folders: a job file (e.g. table-ddim-cfg5.json) of a later folder replaces the file of the
same name in an earlier one, so a partial re-run lays new results over an older full sweep; which
folder each job came from is printed to stderr.

Prints markdown tables (every solver x CFG x mode x width; the repro case) and writes the CLI/GUI
lookup table (fidelity_table.inc) from every measured image (table and repro sets pooled).
"""
import argparse, glob, json, os, re, sys

KINDS = {"ddim": "DDIM", "ddpm": "DDPM", "euler": "Euler", "euler_a": "EulerAncestral", "dpmpp_2m": "DpmPP2M",
         "dpmpp_2m_sde": "DpmPP2MSde", "unipc": "UniPC", "unipc_nc": "UniPCNoCorrector", "heun": "Heun",
         "dpmpp_3m_sde": "DpmPP3MSde", "lcm": "LCM"}
ORDER = ["ddim", "euler", "heun", "dpmpp_2m", "unipc", "unipc_nc", "ddpm", "euler_a", "dpmpp_2m_sde", "dpmpp_3m_sde",
         "lcm"]
# Job names: table-SOLVER-cfgG.json, repro-SOLVER.json, with -warmW for a given --warmup-steps.
NAME = re.compile(r"^(table|repro)-(.+?)(?:-cfg(\d+))?(?:-warm(\d+))?\.json$")


def job_files(folders):
    """The readable, successful job files by name, later folders replacing earlier ones."""
    jobs = {}
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
            name = os.path.basename(path)
            if not NAME.match(name) or os.path.getsize(path) == 0:
                continue
            try:
                j = json.load(open(path))
            except json.JSONDecodeError:
                continue
            if j.get("ok"):
                jobs[name] = (folder, j)
    return jobs


def load(folders):
    rows = []
    for name, (folder, j) in sorted(job_files(folders).items()):
        print(f"{name}: {folder}", file=sys.stderr)
        m = NAME.match(name)
        kind, solver, cfg, warm = m.groups()
        if solver not in KINDS:
            continue
        for c in j["configs"]:
            rows.append({"set": kind, "solver": solver, "cfg": float(j["guidance"]), "prompts": j["prompts"],
                         "seeds": j["seeds"],
                         "mode": c["mode"], "width": c["width"],
                         # The JSON's own warm-up; else the job name's -warmW; else none (files written
                         # before warm-up existed).
                         "warmup": c.get("warmup_steps", int(warm or 0)), "runs": c["runs"],
                         "mean_psnr": c["mean_psnr"],
                         "min_psnr": c["min_psnr"], "mean_ssim": c["mean_ssim"], "top1": c.get("top1"),
                         "seq_top1": j["sequential"].get("top1"), "speedup": c["mean_sampling_speedup"]})
    return rows


def fmt(v, f="{:.1f}"):
    return "-" if v is None else f.format(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--inc")
    ap.add_argument("--json")
    ap.add_argument("--skip-solvers", default="",
                    help="comma-separated solvers left out of everything (e.g. ones not re-measured)")
    ap.add_argument("--how", default="tools/gpu/fidelity_sweep.sh, summarised by tools/fidelity_table.py")
    ap.add_argument("--model", default="built-in model",
                    help="the model the sweep ran on, for the .inc header (e.g. builtin-lcm)")
    a = ap.parse_args()
    skip = set(filter(None, a.skip_solvers.split(",")))
    rows = [r for r in load(a.folders) if r["solver"] not in skip]
    if not rows:
        sys.exit("no results in " + " ".join(a.folders))
    table = [r for r in rows if r["set"] == "table"]
    key = lambda r: (ORDER.index(r["solver"]), r["cfg"], r["warmup"], r["mode"], r["width"])
    print("| sampler | CFG | warm-up | mode | width | images | mean PSNR (dB) | min PSNR | SSIM | top-1 | top-1 sequential |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(table, key=key):
        print(f"| {r['solver']} | {r['cfg']:.0f} | {r['warmup']} | {r['mode']} | {r['width']} | {r['runs']} | {fmt(r['mean_psnr'])} | "
              f"{fmt(r['min_psnr'])} | {r['mean_ssim']:.3f} | {fmt(r['top1'], '{:.0%}')} | {fmt(r['seq_top1'], '{:.0%}')} |")
    repro = sorted([r for r in rows if r["set"] == "repro"],
                   key=lambda r: (ORDER.index(r["solver"]), r["warmup"], r["mode"]))
    print("\nRepro (grinning face / blurry, seed 12345, CFG 7, width 3):\n")
    print("| sampler | warm-up | aggressive PSNR (dB) / SSIM | conservative PSNR (dB) / SSIM |")
    print("|---|---|---|---|")
    for s in ORDER:
        for w in sorted({r["warmup"] for r in repro if r["solver"] == s}):
            cells = {r["mode"]: f"{fmt(r['mean_psnr'])} / {r['mean_ssim']:.3f}" for r in repro
                     if r["solver"] == s and r["warmup"] == w}
            print(f"| {s} | {w} | {cells.get('aggressive', '-')} | {cells.get('conservative', '-')} |")
    if a.json:
        json.dump({"how": a.how, "rows": rows}, open(a.json, "w"), indent=1)
    # The lookup table: every measured image of a solver, mode, width and guidance (table and
    # repro sets pooled, means weighted by image count).
    pooled = {}
    for r in table + repro:
        if r["mean_psnr"] is None:
            continue
        k = (r["solver"], r["mode"], r["width"], r["warmup"], r["cfg"])
        p = pooled.setdefault(k, dict(r, runs=0, mean_psnr=0.0, mean_ssim=0.0))
        n = p["runs"] + r["runs"]
        p["mean_psnr"] = (p["mean_psnr"] * p["runs"] + r["mean_psnr"] * r["runs"]) / n
        p["mean_ssim"] = (p["mean_ssim"] * p["runs"] + r["mean_ssim"] * r["runs"]) / n
        p["runs"] = n
    best = list(pooled.values())
    if a.inc:
        with open(a.inc, "w") as f:
            f.write("// {sampler, mode, width, warm-up steps, guidance, mean PSNR dB, mean SSIM, images}: generated by\n"
                    f"// tools/fidelity_table.py from {a.json or ' '.join(a.folders)} ({a.model}, 25 steps).\n"
                    f"// {a.how}\n")
            for r in sorted(best, key=key):
                if r["solver"] not in KINDS or r["mean_psnr"] is None:
                    continue
                mode = "Mode::Aggressive" if r["mode"] == "aggressive" else "Mode::Conservative"
                f.write(f"{{SamplerKind::{KINDS[r['solver']]}, {mode}, {r['width']}, {r['warmup']}, {r['cfg']:.1f}, "
                        f"{r['mean_psnr']:.1f}, {r['mean_ssim']:.3f}, {r['runs']}}},\n")


if __name__ == "__main__":
    main()
