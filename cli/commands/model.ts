/**
 * `tcast model CASE_DIR [--out OUT_DIR]`: runs the golden reference model on a
 * case directory (docs/MODEL.md) and writes its outputs as .npy files.
 */
import { join } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { isBatchedCaseDir, loadBatchedCase, readCaseConfig, runBatchedCase, runCaseDir, writeCaseOutputs } from '../../model/index';
import { checkOutDir } from '../io';
import { step } from '../progress';

const help = `tcast model: run the golden reference model of the tensor-casting primitives on a case directory

Usage: tcast model CASE_DIR [--out OUT_DIR] [--no-cross-check] [--json]

CASE_DIR holds
  case.json               {"mode": "sum"|"mean"|"max", "include_last_offset": bool,
                           "padding_idx": int|null,
                           "optimizer": null | {"kind": "sgd", "lr": x}
                                       | {"kind": "adagrad", "lr": x, "eps": y}
                                       | {"kind": "rowwise_adagrad", "lr": x, "eps": y}}
  weight.npy              float32 [rows, dim]
  indices.npy             int32 or int64 [N]
  offsets.npy             int32 or int64 [B] ([B+1] with include_last_offset)
  per_sample_weights.npy  optional, float32 [N] (mode sum only)
  grad_output.npy         optional, float32 [B, dim]
  optimizer_state.npy     optional, float32 [rows, dim] (adagrad) or [rows] (rowwise_adagrad);
                          zeros when absent

Writes into OUT_DIR (default CASE_DIR/out):
  output.npy                   float32 [B, dim]       the EmbeddingBag forward
  grad_rows.npy                int64 [U]              with grad_output: the rows, strictly ascending
  grad_values.npy              float32 [U, dim]       with grad_output: the coalesced gradient
  weight_updated.npy           float32 [rows, dim]    with an optimizer
  optimizer_state_updated.npy  the state's shape      with adagrad or rowwise_adagrad

A batched case (FBGEMM's TBE / TorchRec KJT layout) has "tables": T in
case.json (mode sum or mean, no padding_idx, no optimizer), weight_0.npy ..
weight_<T-1>.npy (float32 [rows_t, dim_t]), offsets.npy [T·B+1] and grad_output
[B, ΣD]; it writes output.npy [B, ΣD] and per table grad_rows_<t>.npy and
grad_values_<t>.npy (docs/MODEL.md section 6).
Files are .npy as np.save writes them (versions 1.0/2.0, little-endian, C order).
Nothing is written unless the whole case runs. The fp32 order of operations is
specified in docs/MODEL.md.

Options:
  --out OUT_DIR       where to write the outputs (created if needed)
  --no-cross-check    skip the internal check that the casted backward equals
                      the expand-coalesce backward bit for bit
  --json              print {"caseDir", "out", "files": [...]} (the files written)

Exit codes: 0 ok; 2 bad case directory or option (the message names the file,
the array, the position and the value); 70 internal error (a bug in tcast).`;

const command: Command = {
  name: 'model',
  summary: 'run the golden reference model (EmbeddingBag, tensor casting, optimizers) on a case directory',
  help,
  async run(argv: string[]): Promise<number> {
    let caseDir: string | undefined;
    let outDir: string | undefined;
    let crossCheck = true;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--out') {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError('--out needs a directory: tcast model CASE_DIR --out OUT_DIR');
        outDir = v;
      } else if (a.startsWith('--out=')) {
        outDir = a.slice('--out='.length);
        if (!outDir) throw new UsageError('--out needs a directory: tcast model CASE_DIR --out OUT_DIR');
      } else if (a === '--no-cross-check') {
        crossCheck = false;
      } else if (a === '--json') {
        json = true;
      } else if (a.startsWith('-')) {
        throw new UsageError(`unknown option '${a}'; see 'tcast model --help'`);
      } else if (caseDir === undefined) {
        caseDir = a;
      } else {
        throw new UsageError(`one case directory at a time: got '${caseDir}' and '${a}'`);
      }
    }
    if (caseDir === undefined) throw new UsageError("missing CASE_DIR: tcast model CASE_DIR [--out OUT_DIR]; see 'tcast model --help'");
    // The case first: its --out defaults to a folder inside it.
    readCaseConfig(caseDir);
    const out = checkOutDir(outDir ?? join(caseDir, 'out'), '--out');
    const end = step(`running the golden model on ${caseDir}`, json);
    const written = isBatchedCaseDir(caseDir)
      ? writeCaseOutputs(runBatchedCase(loadBatchedCase(caseDir), { crossCheck }), out)
      : runCaseDir(caseDir, out, { crossCheck });
    end();
    if (json) {
      console.log(JSON.stringify({ caseDir, out, files: written.map((p) => p.slice(out.length + 1)) }, null, 2));
      return EXIT.ok;
    }
    console.log(`tcast model: wrote ${written.length} file${written.length === 1 ? '' : 's'} to ${outDir ?? join(caseDir, 'out')}: ${written.map((p) => p.slice(out.length + 1)).join(', ')}`);
    return EXIT.ok;
  },
};

export default command;
