#!/usr/bin/env bash
# One device-tool call: LCM distillation of the built-in model (driffusion-train distill-lcm) and
# its evaluation (docs/builtin-model.md, "The LCM-distilled model"). Runs from the repository root
# of the device tool's copy, carrying .deps/include (Debian's spdlog/fmt/nlohmann headers) and
# .data/device (the bundle of tools/emoji/prepare_emoji_data.py build, with captions.tsv and
# keys.tsv gzipped so that the working tree stays under the tool's 64 MiB).
# usage: LCM_SECONDS=240 LCM_ARGS="--lr 1e-4 --warmup-steps 50" tools/emoji/gpu_distill_lcm.sh
# Writes into $OUT: model.tar.00.. (unet/ and scheduler/ of the distilled model, 15 MiB pieces:
# `cat model.tar.* | tar xf - -C DIR`, then the base model's text_encoder/ and tokenizer/ into DIR)
# and res.tgz (logs, lcm_loss.csv, the evaluations' eval.json and contact sheets).
set -u
t0=$(date +%s); el() { echo "$(( $(date +%s) - t0 )) s"; }
R=/tmp/res; mkdir -p $R
pack() { tar czf $OUT/res.tgz -C /tmp res; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee $R/gpu-name.txt
tp=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
( for f in .data/device/*.gz; do [ -f "$f" ] && gunzip -f "$f"; done
  python3 tools/emoji/prepare_emoji_data.py unpack --data .data/device > $R/unpack.txt 2>&1 ) &
cmake -S . -B /tmp/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tp" \
  -DDRIFFUSION_EXTRA_INCLUDE="$PWD/.deps/include" -DDRIFFUSION_BUILD_TESTS=OFF -DDRIFFUSION_BUILD_GUI=OFF \
  -DDRIFFUSION_WITH_OIIO=OFF -DCMAKE_CUDA_ARCHITECTURES=90 > $R/cmake.log 2>&1
ninja -C /tmp/build -j16 driffusion-train > $R/build.log 2>&1 || { tail -40 $R/build.log; pack; exit 1; }
wait; echo "built $(el)"; cat $R/unpack.txt
B=/tmp/build/bin/driffusion-train; M=/tmp/lcm
$B distill-lcm --teacher resources/builtin --data .data/device --out $M --train-seconds "${LCM_SECONDS:-240}" \
  ${LCM_ARGS:-} > $R/distill.txt 2>&1
echo "distill rc $? $(el)"; tail -3 $R/distill.txt; cp $M/lcm_loss.csv $R/
tar cf - -C $M unet scheduler | split -b 15m -d - $OUT/model.tar.
pack
# The distilled model at 4, 2 and 8 LCM steps (CFG 1 and 1.5), and the teacher with 4 LCM steps.
for st in 4 2 8; do
  w=$(( st < 4 ? st : 4 ))
  $B eval --model $M --data .data/device --out $R/eval-lcm-$st --sampler lcm --steps $st --guidance-sweep 1,1.5 \
    --widths $w > $R/eval-lcm-$st.txt 2>&1
  echo "eval $st rc $? $(el)"; grep -E "guidance|width" $R/eval-lcm-$st.txt | head -12
done
$B eval --model resources/builtin --data .data/device --out $R/eval-teacher-lcm-4 --sampler lcm --steps 4 \
  --guidance-sweep 1,3 --widths 1 > $R/eval-teacher-lcm-4.txt 2>&1
echo "teacher eval rc $? $(el)"; grep guidance $R/eval-teacher-lcm-4.txt | head
for d in $R/eval-*; do [ -f $d/contact.ppm ] && python3 tools/emoji/ppm_to_png.py $d/contact.ppm $d/contact.png && rm -f $d/contact.ppm; done
pack; echo "done $(el)"
