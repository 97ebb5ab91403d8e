// Reference CLIP token ids for every prompt of a golden file (default:
// tests/io/data/clip_tiny/golden_ids.json) on that file's vocab.json + merges.txt, from two
// Hugging Face implementations of the CLIPTokenizerFast pipeline that clip_tokenizer_json.mjs
// builds (CLIPConverter's):
//   Transformers.js  AutoTokenizer.from_pretrained on the tokenizer folder, local files only
//                    (the primary reference: its ids are "reference_ids")
//   tokenizers       the Rust library behind transformers' CLIPTokenizerFast and transformers 5's
//                    CLIPTokenizer, through its Node binding
// Per prompt, for each engine: the ids of tokenizer(prompt) (BOS, tokens, EOS, no truncation) and
// of the call SD pipelines make, padding="max_length", max_length=77, truncation=True (padded
// with the config's pad token, <|endoftext|> for SD 1.x).
//
// Two things differ between the engines and are handled here, not hidden:
// - Transformers.js truncates the finished ids (its truncateHelper), so a prompt over 75 tokens
//   loses its EOS; Python transformers and `tokenizers` truncate before adding BOS/EOS. For such
//   prompts "reference_ids_77" comes from `tokenizers` ("ids_77_from": "tokenizers").
// - The Rust BPE refuses a merges list naming a symbol outside the vocabulary (the tiny test
//   vocabulary has one on purpose, "e </w>"); such merges can never apply, so they are left out
//   for that engine only and counted in source.tokenizers_merges_dropped.
//
// Usage (from this folder, after `npm install --ignore-scripts`):
//   node reference_ids.mjs [--golden PATH] [--pad-token TOKEN]            # prints the ids as JSON
//   node reference_ids.mjs --update-golden [--golden PATH]               # rewrites the golden file
// --update-golden keeps each prompt's committed "ids" (what the C++ ClipTokenizer must return;
// a new prompt without them gets the reference ids), its hand-written "note" and "needs_ftfy",
// and recomputes "transformers_parity" (ids == reference_ids), "tokenizers_parity" (ids == the
// `tokenizers` ids), "reference_ids", "reference_ids_77" and, where `tokenizers` disagrees with
// Transformers.js, "tokenizers_ids".
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import url from "node:url";
import { createRequire } from "node:module";
import { AutoTokenizer, env } from "@huggingface/transformers";
import { EOS, loadClipFiles } from "./clip_tokenizer_json.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(url.fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");
const CONTEXT = 77;

function parseArgs(argv) {
  const args = { golden: path.join(repoRoot, "tests/io/data/clip_tiny/golden_ids.json"), padToken: EOS, update: false };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === "--golden") args.golden = path.resolve(argv[++i]);
    else if (argv[i] === "--pad-token") args.padToken = argv[++i];
    else if (argv[i] === "--update-golden") args.update = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (args.update && args.padToken !== EOS) throw new Error("--update-golden uses the SD 1.x pad token");
  return args;
}

function packageVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(here, "node_modules", ...name.split("/"), "package.json"), "utf8")).version;
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function loadTransformersJs(tokenizerJson, tokenizerConfig) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "clip-tokenizer-"));
  try {
    fs.writeFileSync(path.join(folder, "tokenizer.json"), JSON.stringify(tokenizerJson));
    fs.writeFileSync(path.join(folder, "tokenizer_config.json"), JSON.stringify(tokenizerConfig));
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = "";
    return await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

// The Rust tokenizer with padding and truncation set as PreTrainedTokenizerFast sets them for
// padding="max_length", max_length=77, truncation=True.
function loadRustTokenizers(tokenizerJson, padId, padToken) {
  const { Tokenizer } = require("tokenizers");
  const json = structuredClone(tokenizerJson);
  const vocab = json.model.vocab;
  const usable = json.model.merges.filter(([a, b]) => a in vocab && b in vocab && a + b in vocab);
  const dropped = json.model.merges.length - usable.length;
  json.model.merges = usable;
  const plain = Tokenizer.fromString(JSON.stringify(json));
  const padded = Tokenizer.fromString(JSON.stringify(json));
  padded.setTruncation(CONTEXT);
  padded.setPadding({ maxLength: CONTEXT, padId, padToken });
  return { plain, padded, dropped };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const golden = JSON.parse(fs.readFileSync(args.golden, "utf8"));
  const dataDir = path.dirname(args.golden);
  const { tokenizerJson, tokenizerConfig } = loadClipFiles(
    path.join(dataDir, golden.vocab), path.join(dataDir, golden.merges), args.padToken);
  const tjs = await loadTransformersJs(tokenizerJson, tokenizerConfig);
  const rust = loadRustTokenizers(tokenizerJson, tjs.pad_token_id, args.padToken);

  const results = [];
  for (const p of golden.prompts) {
    const ids = tjs(p.prompt, { return_tensor: false }).input_ids;
    const ids77 = tjs(p.prompt, { padding: "max_length", max_length: CONTEXT, truncation: true, return_tensor: false }).input_ids;
    const rustIds = (await rust.plain.encode(p.prompt)).getIds();
    const rustIds77 = (await rust.padded.encode(p.prompt)).getIds();
    results.push({ name: p.name, ids, tokens: tjs.tokenize(p.prompt), ids_77: ids77, tokenizers_ids: rustIds, tokenizers_ids_77: rustIds77 });
  }

  const source = {
    reference: `@huggingface/transformers ${packageVersion("@huggingface/transformers")} (Transformers.js, ` +
      `@huggingface/tokenizers ${packageVersion("@huggingface/tokenizers")}), ${tjs.constructor.name} via AutoTokenizer.from_pretrained`,
    cross_check: `tokenizers ${packageVersion("tokenizers")} (Rust, Node binding)`,
    tokenizer_files: "tools/tokenizer_reference/clip_tokenizer_json.mjs (CLIPConverter's pipeline) from vocab.json + merges.txt",
    node: process.version,
    command: "cd tools/tokenizer_reference && npm install --ignore-scripts && node reference_ids.mjs --update-golden",
    pad_token: `${args.padToken} (${tjs.pad_token_id})`,
    tokenizers_merges_dropped: rust.dropped,
  };

  if (!args.update) {
    process.stdout.write(JSON.stringify({ source, prompts: results }, null, 1) + "\n");
    return;
  }

  let agree = 0;
  golden.prompts = golden.prompts.map((p, i) => {
    const r = results[i];
    const fits = r.ids.length <= CONTEXT;
    if (fits && !same(r.ids_77, r.tokenizers_ids_77) && same(r.ids, r.tokenizers_ids))
      throw new Error(`${p.name}: the engines agree on the ids but not on the padded ids`);
    const ids = p.ids ?? r.ids;
    const parity = same(ids, r.ids);
    if (parity) ++agree;
    const entry = { name: p.name, prompt: p.prompt, transformers_parity: parity, tokenizers_parity: same(ids, r.tokenizers_ids) };
    if (p.needs_ftfy) entry.needs_ftfy = true;
    if (p.note) entry.note = p.note;
    entry.ids = ids;
    entry.reference_ids = r.ids;
    entry.ids_77_from = fits ? "transformers.js" : "tokenizers";
    entry.reference_ids_77 = fits ? r.ids_77 : r.tokenizers_ids_77;
    if (!same(r.ids, r.tokenizers_ids)) entry.tokenizers_ids = r.tokenizers_ids;
    return entry;
  });
  golden.source = source;
  fs.writeFileSync(args.golden, formatGolden(golden));
  console.error(`${agree} of ${golden.prompts.length} prompts: committed ids equal the reference ids`);
}

// One prompt field per line, id arrays on one line, so diffs stay readable.
function formatGolden(golden) {
  const lines = JSON.stringify(golden, (key, value) => (Array.isArray(value) && value.every(Number.isInteger) ? `@@${JSON.stringify(value)}` : value), 1);
  return lines.replace(/"@@(\[[^"]*\])"/g, "$1") + "\n";
}

main().catch((e) => {
  console.error(e.stack ?? String(e));
  process.exit(2);
});
