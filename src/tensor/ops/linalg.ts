/**
 * Linear algebra: matmul (1-D, 2-D and batched with broadcast batch axes, like `torch.matmul`),
 * mm, bmm, outer, dot, and einsum. Products go through the `gemm` kernel; gradients use its
 * transpose flags instead of materialising transposes.
 */
import { gatheredMatmulGrad, gatheredMatmul as gatheredMatmulKernel, gemm } from "../../kernels/registry.js";
import { record } from "../autograd.js";
import { broadcastIndexMap, broadcastShapes } from "../broadcast.js";
import { allocate, allocateEmpty, type DType, type FloatDType, isFloat, promoteTypes } from "../dtype.js";
import { check, fmtShape, opError } from "../errors.js";
import { shapeSize, Tensor } from "../tensor.js";
import { sum } from "./reduce.js";
import { expand, permute } from "./shape.js";

type FloatArray = Float32Array | Float64Array;

// ---------------------------------------------------------------------------------------------
// the batched gemm primitive

/**
 * Which matrices a batched product combines: for each iteration `i`, output matrix `c[i]` gets
 * `op(A[a[i]])·op(B[b[i]])` added.
 */
interface BatchPlan {
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
}

/**
 * out[c[i]] += op(A[a[i]]) · op(B[b[i]]) for every iteration i, where A is a stack of matrices
 * ([..., rows, cols]) and `op` transposes when the flag is set. `outShape` is the full output
 * shape ([..., M, N]). Differentiable in both operands (the gradients are the same primitive with
 * other plans and flags).
 */
function gemmBatched(
  A: Tensor,
  B: Tensor,
  ta: boolean,
  tb: boolean,
  plan: BatchPlan,
  outShape: readonly number[],
): Tensor {
  const ar = A.shape[A.ndim - 2]!;
  const ac = A.shape[A.ndim - 1]!;
  const br = B.shape[B.ndim - 2]!;
  const bc = B.shape[B.ndim - 1]!;
  const M = ta ? ac : ar;
  const K = ta ? ar : ac;
  const N = tb ? br : bc;
  const sa = ar * ac;
  const sb = br * bc;
  const sc = M * N;
  const ad = A.data as FloatArray;
  const bd = B.data as FloatArray;
  // each output block's first product overwrites it (no zero fill, and no copy of zeros into the
  // kernel's memory), later ones add to it (the batch reductions of the gradients); the kernels start
  // their sums from +0, so this gives the bits of adding to zeros. Blocks no product reaches are zeroed.
  const out = (
    K > 0 ? allocateEmpty(A.dtype as FloatDType, shapeSize(outShape)) : allocate(A.dtype, shapeSize(outShape))
  ) as FloatArray;
  if (sc > 0 && K > 0) {
    const written = new Uint8Array(shapeSize(outShape) / sc);
    for (let i = 0; i < plan.c.length; i++) {
      const ao = plan.a[i]! * sa;
      const bo = plan.b[i]! * sb;
      const c = plan.c[i]!;
      const co = c * sc;
      gemm(
        ad.subarray(ao, ao + sa),
        bd.subarray(bo, bo + sb),
        out.subarray(co, co + sc),
        M,
        N,
        K,
        ta,
        tb,
        written[c] === 1,
      );
      written[c] = 1;
    }
    for (let c = 0; c < written.length; c++) if (written[c] === 0) out.fill(0, c * sc, (c + 1) * sc);
  }
  const res = new Tensor(out, outShape, A.dtype);
  const aShape = A.shape;
  const bShape = B.shape;
  return record("matmul", [A, B], res, (g) => {
    const toA: BatchPlan = { a: plan.c, b: plan.b, c: plan.a };
    const toB: BatchPlan = { a: plan.a, b: plan.c, c: plan.b };
    let dA: Tensor | null = null;
    let dB: Tensor | null = null;
    if (!ta && !tb) {
      // C = A·B: dA = G·Bᵀ, dB = Aᵀ·G
      if (A.requiresGrad) dA = gemmBatched(g, B, false, true, toA, aShape);
      if (B.requiresGrad) dB = gemmBatched(A, g, true, false, toB, bShape);
    } else if (!ta && tb) {
      // C = A·Bᵀ: dA = G·B, dB = Gᵀ·A
      if (A.requiresGrad) dA = gemmBatched(g, B, false, false, toA, aShape);
      if (B.requiresGrad) dB = gemmBatched(g, A, true, false, { a: plan.c, b: plan.a, c: plan.b }, bShape);
    } else if (ta && !tb) {
      // C = Aᵀ·B: dA = B·Gᵀ, dB = A·G
      if (A.requiresGrad) dA = gemmBatched(B, g, false, true, { a: plan.b, b: plan.c, c: plan.a }, aShape);
      if (B.requiresGrad) dB = gemmBatched(A, g, false, false, toB, bShape);
    } else {
      // C = Aᵀ·Bᵀ: dA = Bᵀ·Gᵀ, dB = Gᵀ·Aᵀ
      if (A.requiresGrad) dA = gemmBatched(B, g, true, true, { a: plan.b, b: plan.c, c: plan.a }, aShape);
      if (B.requiresGrad) dB = gemmBatched(g, A, true, true, { a: plan.c, b: plan.a, c: plan.b }, bShape);
    }
    return [dA, dB];
  });
}

/** Common float dtype of two operands (ints compute in float64 and are cast back by the caller). */
function computeDType(op: string, a: Tensor, b: Tensor): { dtype: DType; compute: DType } {
  if (a.dtype === "bool") opError(op, "a", "a numeric tensor (float32, float64 or int32)", "bool");
  if (b.dtype === "bool") opError(op, "b", "a numeric tensor (float32, float64 or int32)", "bool");
  const dtype = promoteTypes(a.dtype, b.dtype);
  return { dtype, compute: isFloat(dtype) ? dtype : "float64" };
}

/** Batched product of two tensors with >= 2 axes, broadcasting the batch axes. */
function matmulNd(op: string, a: Tensor, b: Tensor): Tensor {
  const K = a.shape[a.ndim - 1]!;
  if (b.shape[b.ndim - 2] !== K) {
    const exp = [...b.shape.slice(0, -2), K, "*"];
    opError(op, "b", `shape [${exp.join(", ")}] (inner size ${K} from 'a' ${fmtShape(a.shape)})`, fmtShape(b.shape));
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const nbd = Math.max(aBatch.length, bBatch.length);
  for (let i = 0; i < nbd; i++) {
    const da = aBatch[aBatch.length - nbd + i] ?? 1;
    const db = bBatch[bBatch.length - nbd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      opError(
        op,
        "b",
        `batch axes broadcastable with ${fmtShape(aBatch)} (from 'a' ${fmtShape(a.shape)})`,
        fmtShape(b.shape),
      );
    }
  }
  const batch = broadcastShapes(op, aBatch, bBatch, "a", "b");
  const nb = shapeSize(batch);
  const plan: BatchPlan = {
    a: broadcastIndexMap(aBatch, batch),
    b: broadcastIndexMap(bBatch, batch),
    c: Int32Array.from({ length: nb }, (_, i) => i),
  };
  const outShape = [...batch, a.shape[a.ndim - 2]!, b.shape[b.ndim - 1]!];
  return gemmBatched(a, b, false, false, plan, outShape);
}

// ---------------------------------------------------------------------------------------------
// public ops

/**
 * Matrix product with the semantics of `torch.matmul`: 1-D·1-D is a dot product; a 1-D first
 * operand is treated as a row and a 1-D second operand as a column (the added axis is removed);
 * with more axes, the leading (batch) axes broadcast. Int operands give int32.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0) opError("matmul", "a", "a tensor with at least 1 axis", "a 0-D tensor");
  if (b.ndim === 0) opError("matmul", "b", "a tensor with at least 1 axis", "a 0-D tensor");
  const { dtype, compute } = computeDType("matmul", a, b);
  const ac = a.dtype === compute ? a : a.cast(compute);
  const bc = b.dtype === compute ? b : b.cast(compute);
  let res: Tensor;
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) opError("matmul", "b", `shape [${a.shape[0]}] (like 'a')`, fmtShape(b.shape));
    res = matmulNd("matmul", ac.reshape([1, a.shape[0]!]), bc.reshape([b.shape[0]!, 1])).reshape([]);
  } else if (a.ndim === 1) {
    if (b.shape[b.ndim - 2] !== a.shape[0]) {
      const exp = [...b.shape.slice(0, -2), a.shape[0], "*"];
      opError(
        "matmul",
        "b",
        `shape [${exp.join(", ")}] (inner size ${a.shape[0]} from 'a' ${fmtShape(a.shape)})`,
        fmtShape(b.shape),
      );
    }
    const r = matmulNd("matmul", ac.reshape([1, a.shape[0]!]), bc);
    res = r.reshape([...r.shape.slice(0, -2), r.shape[r.ndim - 1]!]);
  } else if (b.ndim === 1) {
    const K = a.shape[a.ndim - 1]!;
    if (b.shape[0] !== K)
      opError("matmul", "b", `shape [${K}] (inner size from 'a' ${fmtShape(a.shape)})`, fmtShape(b.shape));
    const r = matmulNd("matmul", ac, bc.reshape([K, 1]));
    res = r.reshape(r.shape.slice(0, -1));
  } else {
    res = matmulNd("matmul", ac, bc);
  }
  return dtype === compute ? res : res.cast(dtype);
}

/** Product of two matrices `[n, k]·[k, m]` (no broadcasting). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) opError("mm", "a", "a 2-D tensor", `shape ${fmtShape(a.shape)}`);
  if (b.ndim !== 2) opError("mm", "b", "a 2-D tensor", `shape ${fmtShape(b.shape)}`);
  if (b.shape[0] !== a.shape[1])
    opError("mm", "b", `shape [${a.shape[1]}, *] (inner size from 'a' ${fmtShape(a.shape)})`, fmtShape(b.shape));
  return matmul(a, b);
}

/** Batched product `[B, n, k]·[B, k, m]` (no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3) opError("bmm", "a", "a 3-D tensor", `shape ${fmtShape(a.shape)}`);
  if (b.ndim !== 3) opError("bmm", "b", "a 3-D tensor", `shape ${fmtShape(b.shape)}`);
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2]) {
    opError("bmm", "b", `shape [${a.shape[0]}, ${a.shape[2]}, *] (from 'a' ${fmtShape(a.shape)})`, fmtShape(b.shape));
  }
  return matmul(a, b);
}

/** Outer product of two vectors: `[n]` and `[m]` give `[n, m]`. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1) opError("outer", "a", "a 1-D tensor", `shape ${fmtShape(a.shape)}`);
  if (b.ndim !== 1) opError("outer", "b", "a 1-D tensor", `shape ${fmtShape(b.shape)}`);
  return matmul(a.reshape([a.shape[0]!, 1]), b.reshape([1, b.shape[0]!]));
}

/** Dot product of two vectors of equal length (a 0-D tensor). */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1) opError("dot", "a", "a 1-D tensor", `shape ${fmtShape(a.shape)}`);
  if (b.ndim !== 1 || b.shape[0] !== a.shape[0])
    opError("dot", "b", `shape [${a.shape[0]}] (like 'a')`, fmtShape(b.shape));
  return matmul(a, b);
}

/**
 * Products of gathered columns, stacked: `out[u] = a[:, indices[u]] · mats[u]` for a 2-D `a` [R, K],
 * int32 index vectors `indices[u]` (values in [0, K), repeats allowed) and matrices `mats[u]`
 * [indices[u].length, N]; the result is [U, R, N]. It is what `stack(indices.map((i, u) =>
 * matmul(indexSelect(a, 1, i), mats[u])))` gives, as one op: no per-part tensors, one output, and in
 * the backward one gradient of `a` (the columns' gradients added into it in the order of `u`).
 * Differentiable in `a` only (`mats` are constants). Used for the factored filters of steerable
 * convolutions (`R2Conv`), where `a` holds the learnt coefficients, `indices[u]` the basis elements of
 * radial profile u and `mats[u]` their angular parts.
 */
export function gatheredMatmul(a: Tensor, indices: readonly Tensor[], mats: readonly Tensor[]): Tensor {
  const p = gatheredParts("gatheredMatmul", a, indices, mats);
  const { R, K, N, U, dtype } = p;
  const out = allocateEmpty(dtype, U * R * N);
  if (out.length > 0) gatheredMatmulKernel(a.data as FloatArray, p.ids, p.offs, p.stacked, out, R, K, N);
  return record("gatheredMatmul", [a], new Tensor(out, [U, R, N], dtype), (gy) => [
    new Tensor(gatheredGrad(gy.data as FloatArray, p), [R, K], dtype),
  ]);
}

/** The parts of {@link gatheredMatmul}'s arguments, checked: sizes, the ids and part offsets, the matrices stacked. */
export interface GatheredParts {
  R: number;
  K: number;
  N: number;
  U: number;
  dtype: FloatDType;
  ids: Int32Array;
  offs: Int32Array;
  stacked: FloatArray;
}

/**
 * Checks the arguments of {@link gatheredMatmul} for `op` (a 2-D float `a`, int32 index vectors with
 * values in range, constant matrices of a's dtype with one row per index) and stacks them: the ids of
 * all parts, the U + 1 offsets of the parts, the matrices [Σk×N].
 */
export function gatheredParts(
  op: string,
  a: Tensor,
  indices: readonly Tensor[],
  mats: readonly Tensor[],
): GatheredParts {
  if (!(a instanceof Tensor)) opError(op, "a", "a Tensor", typeof a);
  check(a.ndim === 2 && isFloat(a.dtype), op, "a", "a 2-D float tensor [R, K]", `${a.dtype} ${fmtShape(a.shape)}`);
  check(
    indices.length === mats.length && indices.length > 0,
    op,
    "mats",
    `${indices.length} matrices (one per index vector, at least one)`,
    `${mats.length}`,
  );
  const [R, K] = a.shape as [number, number];
  const N = mats[0]!.shape[1] ?? 0;
  const U = indices.length;
  for (let u = 0; u < U; u++) {
    const idx = indices[u]!;
    const m = mats[u]!;
    check(
      idx.dtype === "int32" && idx.ndim === 1,
      op,
      `indices[${u}]`,
      "a 1-D int32 tensor",
      `${idx.dtype} ${fmtShape(idx.shape)}`,
    );
    const id = idx.data as Int32Array;
    for (let j = 0; j < id.length; j++) {
      const v = id[j]!;
      if (!(v >= 0 && v < K))
        opError(
          op,
          `indices[${u}]`,
          `values in [0, ${K}) (the columns of 'a' ${fmtShape(a.shape)})`,
          `${v} at position ${j}`,
        );
    }
    check(
      m.ndim === 2 && m.shape[0] === id.length && m.shape[1] === N,
      op,
      `mats[${u}]`,
      `shape [${id.length}, ${N}]`,
      fmtShape(m.shape),
    );
    check(m.dtype === a.dtype, op, `mats[${u}]`, `dtype ${a.dtype} (the dtype of 'a')`, m.dtype);
    check(!m.requiresGrad, op, `mats[${u}]`, "a constant (no gradient)", "a tensor that requires grad");
  }
  const dtype = a.dtype as FloatDType;
  // the parts' columns and matrices, stacked
  const offs = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) offs[u + 1] = offs[u]! + indices[u]!.size;
  const S = offs[U]!;
  const ids = new Int32Array(S);
  const stacked = dtype === "float32" ? new Float32Array(S * N) : new Float64Array(S * N);
  for (let u = 0; u < U; u++) {
    ids.set(indices[u]!.data as Int32Array, offs[u]!);
    stacked.set(mats[u]!.data as FloatArray, offs[u]! * N);
  }
  return { R, K, N, U, dtype, ids, offs, stacked };
}

/** The gradient of {@link gatheredMatmul}'s `a` [R×K] for gy [U×R×N]. */
export function gatheredGrad(gy: FloatArray, p: GatheredParts): FloatArray {
  const ga = allocateEmpty(p.dtype, p.R * p.K);
  if (p.R * p.N === 0) ga.fill(0);
  else gatheredMatmulGrad(gy, p.ids, p.offs, p.stacked, ga, p.R, p.K, p.N);
  return ga;
}

// ---------------------------------------------------------------------------------------------
// einsum

/** Parsed einsum: one label list per operand and the output labels (labels are small integers). */
interface EinsumSpec {
  inputs: number[][];
  output: number[];
}

const ELLIPSIS_BASE = 1000;

function labelCode(op: string, ch: string, where: string): number {
  const c = ch.charCodeAt(0);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  return opError(op, "equation", `letters a-z, A-Z, '...', ',' and '->' in ${where}`, `'${ch}'`);
}

/** Splits one subscript term into labels; '...' becomes `ndim - letters` ellipsis labels. */
function parseTerm(term: string, ndim: number | null, where: string, ellipsisDims: { n: number }): number[] {
  const parts = term.split("...");
  if (parts.length > 2) opError("einsum", "equation", `at most one '...' in ${where}`, `'${term}'`);
  const letters = parts.map((p) => Array.from(p, (ch) => labelCode("einsum", ch, where)));
  if (parts.length === 1) return letters[0]!;
  const nLetters = letters[0]!.length + letters[1]!.length;
  let nEll: number;
  if (ndim === null) nEll = ellipsisDims.n;
  else {
    nEll = ndim - nLetters;
    if (nEll < 0) opError("einsum", where, `at least ${nLetters} axes for '${term}'`, `${ndim}`);
    ellipsisDims.n = Math.max(ellipsisDims.n, nEll);
  }
  // ellipsis axes are right-aligned across operands (they broadcast like leading batch axes)
  const ell = Array.from({ length: nEll }, (_, i) => ELLIPSIS_BASE + ellipsisDims.n - nEll + i);
  return [...letters[0]!, ...ell, ...letters[1]!];
}

function parseEinsum(equation: string, operands: readonly Tensor[]): EinsumSpec {
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const rhs = arrow >= 0 ? eq.slice(arrow + 2) : null;
  if (rhs?.includes("->")) opError("einsum", "equation", "at most one '->'", `'${equation}'`);
  const terms = lhs.split(",");
  if (terms.length !== operands.length) {
    opError("einsum", "operands", `${terms.length} operand(s) for '${equation}'`, `${operands.length}`);
  }
  const ell = { n: 0 };
  const inputs = terms.map((term, k) => {
    const labels = parseTerm(term, operands[k]!.ndim, `operands[${k}]`, ell);
    if (labels.length !== operands[k]!.ndim) {
      opError(
        "einsum",
        `operands[${k}]`,
        `${labels.length} axes for subscripts '${term}'`,
        `shape ${fmtShape(operands[k]!.shape)}`,
      );
    }
    return labels;
  });
  // ellipsis labels were numbered against the running maximum; renumber right-aligned to the final one
  const nEll = ell.n;
  for (let k = 0; k < inputs.length; k++) {
    const term = terms[k]!;
    if (term.includes("...")) inputs[k] = parseTerm(term, operands[k]!.ndim, `operands[${k}]`, { n: nEll });
  }
  let output: number[];
  if (rhs === null) {
    const count = new Map<number, number>();
    for (const labels of inputs) for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
    const ellLabels = Array.from({ length: nEll }, (_, i) => ELLIPSIS_BASE + i);
    const letters = [...count.entries()].filter(([l, n]) => n === 1 && l < ELLIPSIS_BASE).map(([l]) => l);
    letters.sort((x, y) => x - y);
    output = [...ellLabels, ...letters];
  } else {
    if (rhs.includes("...") && !terms.some((term) => term.includes("..."))) {
      opError("einsum", "equation", "'...' in the output only when an input has it", `'${equation}'`);
    }
    output = parseTerm(rhs, null, "the output", { n: nEll });
    const seen = new Set<number>();
    const all = new Set(inputs.flat());
    for (const l of output) {
      if (seen.has(l)) opError("einsum", "equation", "output subscripts that appear once", `'${rhs}'`);
      seen.add(l);
      if (!all.has(l))
        opError(
          "einsum",
          "equation",
          `output subscripts that appear in an input`,
          `'${String.fromCharCode(l)}' in '${rhs}'`,
        );
    }
  }
  return { inputs, output };
}

/**
 * The generic einsum loop: for every combination of label values, multiplies the addressed element
 * of each operand and adds it into the output. Repeated labels within an operand take diagonals;
 * repeated labels in `output` write diagonals (used by gradients). `sizes` gives each label's size.
 * Differentiable: the gradient for operand k is this same loop over the other operands and `g`.
 */
function einsumGeneric(
  operands: readonly Tensor[],
  inputs: readonly number[][],
  output: readonly number[],
  sizes: ReadonlyMap<number, number>,
): Tensor {
  const dtype = operands[0]!.dtype;
  const outShape = output.map((l) => sizes.get(l)!);
  const out = allocate(dtype, shapeSize(outShape));
  const labels = [...new Set([...output, ...inputs.flat()])];
  const nl = labels.length;
  const dims = labels.map((l) => sizes.get(l)!);
  const total = shapeSize(dims);
  const nop = operands.length;
  // per operand and label: stride step in that operand's storage
  const strideOf = (labelList: readonly number[], shape: readonly number[]): number[] => {
    const st = new Array<number>(nl).fill(0);
    let acc = 1;
    for (let p = labelList.length - 1; p >= 0; p--) {
      st[labels.indexOf(labelList[p]!)]! += acc;
      acc *= shape[p]!;
    }
    return st;
  };
  const opStrides = inputs.map((ls, k) => strideOf(ls, operands[k]!.shape));
  const outStrides = strideOf(output, outShape);
  const datas = operands.map((x) => x.data);
  if (total > 0) {
    const idx = new Array<number>(nl).fill(0);
    const offs = new Array<number>(nop).fill(0);
    let oOff = 0;
    for (let it = 0; it < total; it++) {
      let p = 1;
      for (let k = 0; k < nop; k++) p *= datas[k]![offs[k]!]!;
      out[oOff]! += p;
      for (let j = nl - 1; j >= 0; j--) {
        idx[j]!++;
        for (let k = 0; k < nop; k++) offs[k]! += opStrides[k]![j]!;
        oOff += outStrides[j]!;
        if (idx[j]! < dims[j]!) break;
        const n = dims[j]!;
        for (let k = 0; k < nop; k++) offs[k]! -= opStrides[k]![j]! * n;
        oOff -= outStrides[j]! * n;
        idx[j] = 0;
      }
    }
  }
  const res = new Tensor(out, outShape, dtype);
  return record("einsum", operands, res, (g) =>
    operands.map((x, k) => {
      if (!x.requiresGrad) return null;
      const ops = [...operands.slice(0, k), ...operands.slice(k + 1), g];
      const ins = [...inputs.slice(0, k), ...inputs.slice(k + 1), output as number[]];
      return einsumGeneric(ops, ins, inputs[k]!, sizes);
    }),
  );
}

/** Reduces one operand with distinct labels: sums labels not in `keep`, orders as `keep`. */
function einsumUnary(
  x: Tensor,
  labels: readonly number[],
  keep: readonly number[],
  sizes: ReadonlyMap<number, number>,
): Tensor {
  if (new Set(labels).size === labels.length) {
    // distinct labels: a plain reduction over the dropped axes, then a permutation
    const drop: number[] = [];
    labels.forEach((l, i) => {
      if (!keep.includes(l)) drop.push(i);
    });
    const y = drop.length > 0 ? sum(x, drop) : x;
    const rest = labels.filter((l) => keep.includes(l));
    const perm = keep.map((l) => rest.indexOf(l));
    return perm.every((p, i) => p === i) ? y : permute(y, perm);
  }
  return einsumGeneric([x], [labels as number[]], keep, sizes);
}

/**
 * Contracts two operands with distinct labels into `outLabels` through one batched matmul:
 * labels in both and kept are batch axes, in both and not kept are contracted, in one only are rows
 * or columns (labels in one operand only that are not kept must have been summed out before).
 */
function einsumPair(
  a: Tensor,
  la: number[],
  b: Tensor,
  lb: number[],
  outLabels: readonly number[],
  sizes: ReadonlyMap<number, number>,
): Tensor {
  const keep = new Set(outLabels);
  const inB = new Set(lb);
  const inA = new Set(la);
  const batch = la.filter((l) => inB.has(l) && keep.has(l));
  const contract = la.filter((l) => inB.has(l) && !keep.has(l));
  const rows = la.filter((l) => !inB.has(l));
  const cols = lb.filter((l) => !inA.has(l));
  const size = (ls: readonly number[]) => shapeSize(ls.map((l) => sizes.get(l)!));
  const Bt = size(batch);
  const M = size(rows);
  const K = size(contract);
  const N = size(cols);
  const pa = [...batch, ...rows, ...contract].map((l) => la.indexOf(l));
  const pb = [...batch, ...contract, ...cols].map((l) => lb.indexOf(l));
  const A3 = (pa.every((p, i) => p === i) ? a : permute(a, pa)).reshape([Bt, M, K]);
  const B3 = (pb.every((p, i) => p === i) ? b : permute(b, pb)).reshape([Bt, K, N]);
  const C = matmulNd("einsum", A3, B3);
  const cLabels = [...batch, ...rows, ...cols];
  const Cn = C.reshape(cLabels.map((l) => sizes.get(l)!));
  const perm = outLabels.map((l) => cLabels.indexOf(l));
  return perm.every((p, i) => p === i) ? Cn : permute(Cn, perm);
}

/**
 * Einstein summation (like `torch.einsum`): `'ij,jk->ik'`, `'bij,bjk->bik'`, `'i,i->'`, `'ii->i'`,
 * `'...ij,...jk->...ik'`, or without `->` (the output is the labels seen once, sorted, after the
 * ellipsis axes). Size-1 axes broadcast against other operands' sizes for the same label. Any
 * number of operands; pairs are contracted left to right through batched matmul, and diagonals
 * or other forms use a generic loop. Differentiable in every float operand.
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const ops: Tensor[] =
    operands.length === 1 && Array.isArray(operands[0]) ? [...(operands[0] as Tensor[])] : (operands as Tensor[]);
  if (ops.length === 0) opError("einsum", "operands", "at least one tensor", "none");
  for (let k = 0; k < ops.length; k++) {
    if (!(ops[k] instanceof Tensor)) opError("einsum", `operands[${k}]`, "a Tensor", typeof ops[k]);
    if (ops[k]!.dtype === "bool") opError("einsum", `operands[${k}]`, "a numeric tensor", "bool");
  }
  const spec = parseEinsum(equation, ops);
  let dtype: DType = ops[0]!.dtype;
  for (const x of ops) dtype = promoteTypes(dtype, x.dtype);
  const compute: DType = isFloat(dtype) ? dtype : "float64";
  // label sizes, with size-1 broadcasting
  const sizes = new Map<number, number>();
  spec.inputs.forEach((labels, k) => {
    labels.forEach((l, p) => {
      const d = ops[k]!.shape[p]!;
      const cur = sizes.get(l);
      if (cur === undefined || cur === 1) sizes.set(l, d);
      else if (d !== cur && d !== 1) {
        const name = l >= ELLIPSIS_BASE ? "'...'" : `'${String.fromCharCode(l)}'`;
        opError(
          "einsum",
          `operands[${k}]`,
          `size ${cur} for subscript ${name} (axis ${p})`,
          `${d} in shape ${fmtShape(ops[k]!.shape)}`,
        );
      }
    });
  });
  let xs = ops.map((x, k) => {
    let y = x.dtype === compute ? x : x.cast(compute);
    const labels = spec.inputs[k]!;
    const full = labels.map((l) => sizes.get(l)!);
    if (full.some((d, p) => d !== y.shape[p])) {
      // broadcast size-1 axes (a repeated label of size 1 broadcasts on every occurrence)
      y = expand(y, full);
    }
    return y;
  });
  // take diagonals / sum labels that appear in one operand only, so every operand has distinct labels
  let labelsList = spec.inputs.map((l) => [...l]);
  const countIn = (l: number, skip: number) =>
    labelsList.reduce((n, ls, k) => n + (k !== skip && ls.includes(l) ? 1 : 0), 0);
  const outSet = new Set(spec.output);
  xs = xs.map((x, k) => {
    const ls = labelsList[k]!;
    const distinct = [...new Set(ls)];
    const keep = distinct.filter((l) => outSet.has(l) || countIn(l, k) > 0);
    if (keep.length === ls.length) return x;
    labelsList[k] = keep;
    return einsumUnary(x, ls, keep, sizes);
  });
  if (xs.length === 1) {
    const res = einsumUnary(xs[0]!, labelsList[0]!, spec.output, sizes);
    const r = res === ops[0] ? res.clone() : res;
    return dtype === compute ? r : r.cast(dtype);
  }
  // contract left to right
  let acc = xs[0]!;
  let accLabels = labelsList[0]!;
  for (let k = 1; k < xs.length; k++) {
    const lb = labelsList[k]!;
    const later = new Set([...spec.output, ...labelsList.slice(k + 1).flat()]);
    const union = [...new Set([...accLabels, ...lb])];
    const keep = union.filter((l) => later.has(l));
    // labels of one side that nothing later needs are summed first
    const onlyA = accLabels.filter((l) => !lb.includes(l) && !later.has(l));
    if (onlyA.length > 0) {
      const ka = accLabels.filter((l) => !onlyA.includes(l));
      acc = einsumUnary(acc, accLabels, ka, sizes);
      accLabels = ka;
    }
    let b = xs[k]!;
    let lbk = lb;
    const onlyB = lb.filter((l) => !accLabels.includes(l) && !later.has(l));
    if (onlyB.length > 0) {
      const kb = lb.filter((l) => !onlyB.includes(l));
      b = einsumUnary(b, lb, kb, sizes);
      lbk = kb;
    }
    const outLabels = k === xs.length - 1 ? spec.output : keep;
    acc = einsumPair(acc, accLabels, b, lbk, outLabels, sizes);
    accLabels = [...outLabels];
    labelsList = labelsList.map((ls, j) => (j === k ? lbk : ls));
  }
  return dtype === compute ? acc : acc.cast(dtype);
}

// ---------------------------------------------------------------------------------------------
// Tensor methods

declare module "../tensor.js" {
  interface Tensor {
    /** See {@link matmul}. */
    matmul(b: Tensor): Tensor;
    /** See {@link mm}. */
    mm(b: Tensor): Tensor;
    /** See {@link bmm}. */
    bmm(b: Tensor): Tensor;
    /** See {@link outer}. */
    outer(b: Tensor): Tensor;
    /** See {@link dot}. */
    dot(b: Tensor): Tensor;
  }
}

Tensor.prototype.matmul = function (this: Tensor, b: Tensor) {
  return matmul(this, b);
};
Tensor.prototype.mm = function (this: Tensor, b: Tensor) {
  return mm(this, b);
};
Tensor.prototype.bmm = function (this: Tensor, b: Tensor) {
  return bmm(this, b);
};
Tensor.prototype.outer = function (this: Tensor, b: Tensor) {
  return outer(this, b);
};
Tensor.prototype.dot = function (this: Tensor, b: Tensor) {
  return dot(this, b);
};
