/**
 * Gated recurrent networks, modelled on `torch.nn.LSTM`, `GRU`, `LSTMCell` and `GRUCell`: the same
 * gate order (LSTM: input, forget, cell, output; GRU: reset, update, new), the same parameter names
 * (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_reverse` for the backward
 * direction), the same default initialisation U(±1/√hiddenSize), and the same shapes of inputs,
 * outputs and states, so state dicts interchange with PyTorch.
 *
 * Gated RNNs are the models of time warping (Tallec & Ollivier, "Can recurrent neural networks warp
 * time?", ICLR 2018): a gate value is a learned, input-dependent time step. Their *chrono
 * initialisation* (`chronoInit: Tmax`) sets the forget-gate biases to log(U(1, Tmax − 1)) and the
 * input-gate biases to their negatives, so that the characteristic memory times of the units spread
 * over [1, Tmax]; it is the option to use when dependencies span long, variable delays.
 *
 * The input projections of all time steps are one matrix product; the recurrence of a layer is then
 * one recorded op ({@link lstmSequence}, {@link gruSequence}) whose backward is backpropagation
 * through time written out (gradient-checked), so autograd records O(layers) ops, not O(steps).
 * The cells use the fused one-step ops {@link lstmGates} and {@link gruGates}.
 */

import { gemm } from "../kernels/registry.js";
import { record } from "../tensor/autograd.js";
import { zeros } from "../tensor/creation.js";
import { allocate, type DType } from "../tensor/dtype.js";
import { check, fmtShape, opError } from "../tensor/errors.js";
import { add } from "../tensor/ops/elementwise.js";
import { matmul } from "../tensor/ops/linalg.js";
import { dropout } from "../tensor/ops/random.js";
import { concat, narrow, split, stack, transpose } from "../tensor/ops/shape.js";
import { type Generator, getDefaultGenerator } from "../tensor/rng.js";
import { Tensor } from "../tensor/tensor.js";
import { uniform } from "./init.js";
import type { LayerOptions } from "./linear.js";
import { Module, Parameter } from "./module.js";

type FloatArray = Float32Array | Float64Array;

// ---------------------------------------------------------------------------------------------
// fused gate ops

function sig(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * The LSTM cell's pointwise part: from gate pre-activations [B, 4H] (i, f, g, o) and the cell state
 * c [B, H], returns [B, 2H] = [h', c'] with c' = σ(f)·c + σ(i)·tanh(g) and h' = σ(o)·tanh(c').
 * Recorded; its backward is the exact gradient.
 */
export function lstmGates(gates: Tensor, c: Tensor): Tensor {
  const op = "lstmGates";
  check(gates.ndim === 2 && gates.shape[1]! % 4 === 0, op, "gates", "shape [B, 4H]", fmtShape(gates.shape));
  const B = gates.shape[0]!;
  const H = gates.shape[1]! / 4;
  check(c.ndim === 2 && c.shape[0] === B && c.shape[1] === H, op, "c", `shape [${B}, ${H}]`, fmtShape(c.shape));
  check(c.dtype === gates.dtype, op, "c", `dtype ${gates.dtype}`, c.dtype);
  const a = gates.data as FloatArray;
  const cd = c.data as FloatArray;
  const out = allocate(gates.dtype, B * 2 * H) as FloatArray;
  // activated gates kept for the backward
  const act = allocate(gates.dtype, B * 4 * H) as FloatArray;
  for (let b = 0; b < B; b++) {
    const gi = b * 4 * H;
    const oi = b * 2 * H;
    for (let j = 0; j < H; j++) {
      const i = sig(a[gi + j]!);
      const f = sig(a[gi + H + j]!);
      const g = Math.tanh(a[gi + 2 * H + j]!);
      const o = sig(a[gi + 3 * H + j]!);
      const cn = f * cd[b * H + j]! + i * g;
      const tc = Math.tanh(cn);
      act[gi + j] = i;
      act[gi + H + j] = f;
      act[gi + 2 * H + j] = g;
      act[gi + 3 * H + j] = o;
      out[oi + j] = o * tc;
      out[oi + H + j] = cn;
    }
  }
  const res = new Tensor(out, [B, 2 * H], gates.dtype);
  return record(op, [gates, c], res, (grad) => {
    const gd = grad.data as FloatArray;
    const gGates = allocate(gates.dtype, B * 4 * H) as FloatArray;
    const gC = allocate(gates.dtype, B * H) as FloatArray;
    for (let b = 0; b < B; b++) {
      const gi = b * 4 * H;
      const oi = b * 2 * H;
      for (let j = 0; j < H; j++) {
        const i = act[gi + j]!;
        const f = act[gi + H + j]!;
        const g = act[gi + 2 * H + j]!;
        const o = act[gi + 3 * H + j]!;
        const cn = out[oi + H + j]!;
        const tc = Math.tanh(cn);
        const gh = gd[oi + j]!;
        const gcn = gd[oi + H + j]! + gh * o * (1 - tc * tc);
        gGates[gi + j] = gcn * g * i * (1 - i);
        gGates[gi + H + j] = gcn * cd[b * H + j]! * f * (1 - f);
        gGates[gi + 2 * H + j] = gcn * i * (1 - g * g);
        gGates[gi + 3 * H + j] = gh * tc * o * (1 - o);
        gC[b * H + j] = gcn * f;
      }
    }
    return [new Tensor(gGates, gates.shape, gates.dtype), new Tensor(gC, c.shape, c.dtype)];
  });
}

/**
 * The GRU cell's pointwise part (PyTorch's formulation): from the input projection xg = x·W_ihᵀ + b_ih
 * [B, 3H] (r, z, n), the hidden projection hg = h·W_hhᵀ + b_hh [B, 3H] and h [B, H], returns
 * h' = (1 − z)·n + z·h with r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn). Recorded.
 */
export function gruGates(xg: Tensor, hg: Tensor, h: Tensor): Tensor {
  const op = "gruGates";
  check(xg.ndim === 2 && xg.shape[1]! % 3 === 0, op, "xg", "shape [B, 3H]", fmtShape(xg.shape));
  const B = xg.shape[0]!;
  const H = xg.shape[1]! / 3;
  check(
    hg.ndim === 2 && hg.shape[0] === B && hg.shape[1] === 3 * H,
    op,
    "hg",
    `shape [${B}, ${3 * H}]`,
    fmtShape(hg.shape),
  );
  check(h.ndim === 2 && h.shape[0] === B && h.shape[1] === H, op, "h", `shape [${B}, ${H}]`, fmtShape(h.shape));
  check(hg.dtype === xg.dtype && h.dtype === xg.dtype, op, "hg", `dtype ${xg.dtype}`, `${hg.dtype} / ${h.dtype}`);
  const X = xg.data as FloatArray;
  const Hg = hg.data as FloatArray;
  const hd = h.data as FloatArray;
  const out = allocate(xg.dtype, B * H) as FloatArray;
  const act = allocate(xg.dtype, B * 3 * H) as FloatArray;
  for (let b = 0; b < B; b++) {
    const gi = b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = sig(X[gi + j]! + Hg[gi + j]!);
      const z = sig(X[gi + H + j]! + Hg[gi + H + j]!);
      const n = Math.tanh(X[gi + 2 * H + j]! + r * Hg[gi + 2 * H + j]!);
      act[gi + j] = r;
      act[gi + H + j] = z;
      act[gi + 2 * H + j] = n;
      out[b * H + j] = (1 - z) * n + z * hd[b * H + j]!;
    }
  }
  const res = new Tensor(out, [B, H], xg.dtype);
  return record(op, [xg, hg, h], res, (grad) => {
    const gd = grad.data as FloatArray;
    const gX = allocate(xg.dtype, B * 3 * H) as FloatArray;
    const gH = allocate(xg.dtype, B * 3 * H) as FloatArray;
    const gh = allocate(xg.dtype, B * H) as FloatArray;
    for (let b = 0; b < B; b++) {
      const gi = b * 3 * H;
      for (let j = 0; j < H; j++) {
        const r = act[gi + j]!;
        const z = act[gi + H + j]!;
        const n = act[gi + 2 * H + j]!;
        const go = gd[b * H + j]!;
        const gn = go * (1 - z) * (1 - n * n);
        const gz = go * (hd[b * H + j]! - n) * z * (1 - z);
        const hn = Hg[gi + 2 * H + j]!;
        const gr = gn * hn * r * (1 - r);
        gX[gi + j] = gr;
        gH[gi + j] = gr;
        gX[gi + H + j] = gz;
        gH[gi + H + j] = gz;
        gX[gi + 2 * H + j] = gn;
        gH[gi + 2 * H + j] = gn * r;
        gh[b * H + j] = go * z;
      }
    }
    return [new Tensor(gX, xg.shape, xg.dtype), new Tensor(gH, hg.shape, hg.dtype), new Tensor(gh, h.shape, h.dtype)];
  });
}

// ---------------------------------------------------------------------------------------------
// whole-sequence recurrences (one recorded op per layer and direction; backward through time by hand)

function checkSeq(op: string, xw: Tensor, whh: Tensor, gates: number): { T: number; B: number; H: number } {
  check(xw.ndim === 3 && xw.shape[2]! % gates === 0, op, "xw", `shape [T, B, ${gates}H]`, fmtShape(xw.shape));
  const [T, B] = xw.shape as [number, number];
  const H = xw.shape[2]! / gates;
  check(
    whh.ndim === 2 && whh.shape[0] === gates * H && whh.shape[1] === H,
    op,
    "whh",
    `shape [${gates * H}, ${H}]`,
    fmtShape(whh.shape),
  );
  check(whh.dtype === xw.dtype, op, "whh", `dtype ${xw.dtype}`, whh.dtype);
  return { T, B, H };
}

/**
 * An LSTM layer over a whole sequence in one op: from the input projections xw [T, B, 4H] (x·W_ihᵀ
 * plus both biases), W_hh [4H, H] and the initial states h0, c0 [B, H], returns [T, B, 2H] holding
 * (h_t, c_t) for every step t (`reverse` runs t from T − 1 down to 0). The backward is
 * backpropagation through time, to xw, W_hh, h0 and c0.
 */
export function lstmSequence(xw: Tensor, whh: Tensor, h0: Tensor, c0: Tensor, reverse = false): Tensor {
  const op = "lstmSequence";
  const { T, B, H } = checkSeq(op, xw, whh, 4);
  for (const [name, t] of [
    ["h0", h0],
    ["c0", c0],
  ] as const) {
    check(t.ndim === 2 && t.shape[0] === B && t.shape[1] === H, op, name, `shape [${B}, ${H}]`, fmtShape(t.shape));
    check(t.dtype === xw.dtype, op, name, `dtype ${xw.dtype}`, t.dtype);
  }
  const dt = xw.dtype;
  const X = xw.data as FloatArray;
  const W = whh.data as FloatArray;
  const G = 4 * H;
  const Y = allocate(dt, T * B * 2 * H) as FloatArray;
  const act = allocate(dt, T * B * G) as FloatArray; // σ(i), σ(f), tanh(g), σ(o) per step
  const pre = allocate(dt, B * G) as FloatArray;
  let hPrev = h0.data as FloatArray;
  let cPrev = c0.data as FloatArray;
  const hBufs = [allocate(dt, B * H) as FloatArray, allocate(dt, B * H) as FloatArray];
  const cBufs = [allocate(dt, B * H) as FloatArray, allocate(dt, B * H) as FloatArray];
  for (let s = 0; s < T; s++) {
    const hBuf = hBufs[s & 1]!;
    const cBuf = cBufs[s & 1]!;
    const t = reverse ? T - 1 - s : s;
    pre.set(X.subarray(t * B * G, (t + 1) * B * G));
    gemm(hPrev, W, pre, B, G, H, false, true, true);
    const aOff = t * B * G;
    const yOff = t * B * 2 * H;
    for (let b = 0; b < B; b++) {
      const p = b * G;
      for (let j = 0; j < H; j++) {
        const i = sig(pre[p + j]!);
        const f = sig(pre[p + H + j]!);
        const g = Math.tanh(pre[p + 2 * H + j]!);
        const o = sig(pre[p + 3 * H + j]!);
        const cn = f * cPrev[b * H + j]! + i * g;
        const hn = o * Math.tanh(cn);
        act[aOff + p + j] = i;
        act[aOff + p + H + j] = f;
        act[aOff + p + 2 * H + j] = g;
        act[aOff + p + 3 * H + j] = o;
        hBuf[b * H + j] = hn;
        cBuf[b * H + j] = cn;
        Y[yOff + b * 2 * H + j] = hn;
        Y[yOff + b * 2 * H + H + j] = cn;
      }
    }
    hPrev = hBuf;
    cPrev = cBuf;
  }
  const out = new Tensor(Y, [T, B, 2 * H], dt);
  return record(op, [xw, whh, h0, c0], out, (grad) => {
    const gY = grad.data as FloatArray;
    const gX = allocate(dt, T * B * G) as FloatArray;
    const gW = allocate(dt, G * H) as FloatArray;
    let gh = allocate(dt, B * H) as FloatArray; // gradient flowing into h_t from step t + 1
    let ghNext = allocate(dt, B * H) as FloatArray;
    const gc = allocate(dt, B * H) as FloatArray; // gradient flowing into c_t from step t + 1
    const hpBuf = allocate(dt, B * H) as FloatArray;
    const h0d = h0.data as FloatArray;
    const c0d = c0.data as FloatArray;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const prevT = reverse ? t + 1 : t - 1;
      const first = s === 0;
      const aOff = t * B * G;
      const yOff = t * B * 2 * H;
      const pOff = prevT * B * 2 * H;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          const i = act[aOff + b * G + j]!;
          const f = act[aOff + b * G + H + j]!;
          const g = act[aOff + b * G + 2 * H + j]!;
          const o = act[aOff + b * G + 3 * H + j]!;
          const cn = Y[yOff + b * 2 * H + H + j]!;
          const cp = first ? c0d[k]! : Y[pOff + b * 2 * H + H + j]!;
          const tc = Math.tanh(cn);
          const ght = gY[yOff + b * 2 * H + j]! + gh[k]!;
          const gct = gY[yOff + b * 2 * H + H + j]! + gc[k]! + ght * o * (1 - tc * tc);
          const q = aOff + b * G;
          gX[q + j] = gct * g * i * (1 - i);
          gX[q + H + j] = gct * cp * f * (1 - f);
          gX[q + 2 * H + j] = gct * i * (1 - g * g);
          gX[q + 3 * H + j] = ght * tc * o * (1 - o);
          gc[k] = gct * f;
        }
      }
      const dA = gX.subarray(aOff, aOff + B * G);
      // h_{t-1}: h0, or the h half of Y's previous step
      let hp = h0d;
      if (!first) {
        hp = hpBuf;
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) hp[b * H + j] = Y[pOff + b * 2 * H + j]!;
      }
      gemm(dA, hp, gW, G, H, B, true, false, true);
      gemm(dA, W, ghNext, B, H, G, false, false, false);
      [gh, ghNext] = [ghNext, gh];
    }
    return [
      new Tensor(gX, xw.shape, dt),
      new Tensor(gW, whh.shape, dt),
      new Tensor(gh, h0.shape, dt),
      new Tensor(gc, c0.shape, dt),
    ];
  });
}

/**
 * A GRU layer over a whole sequence in one op: from the input projections xw [T, B, 3H] (x·W_ihᵀ +
 * b_ih), W_hh [3H, H], b_hh [3H] (or null) and h0 [B, H], returns the hidden states [T, B, H]
 * (`reverse` runs backwards in time). The backward is backpropagation through time.
 */
export function gruSequence(xw: Tensor, whh: Tensor, bhh: Tensor | null, h0: Tensor, reverse = false): Tensor {
  const op = "gruSequence";
  const { T, B, H } = checkSeq(op, xw, whh, 3);
  check(h0.ndim === 2 && h0.shape[0] === B && h0.shape[1] === H, op, "h0", `shape [${B}, ${H}]`, fmtShape(h0.shape));
  check(h0.dtype === xw.dtype, op, "h0", `dtype ${xw.dtype}`, h0.dtype);
  if (bhh !== null)
    check(
      bhh.ndim === 1 && bhh.shape[0] === 3 * H && bhh.dtype === xw.dtype,
      op,
      "bhh",
      `shape [${3 * H}] of dtype ${xw.dtype}`,
      `${fmtShape(bhh.shape)} ${bhh.dtype}`,
    );
  const dt = xw.dtype;
  const X = xw.data as FloatArray;
  const W = whh.data as FloatArray;
  const bh = bhh === null ? null : (bhh.data as FloatArray);
  const G = 3 * H;
  const Y = allocate(dt, T * B * H) as FloatArray;
  const act = allocate(dt, T * B * G) as FloatArray; // r, z, n
  const hgAll = allocate(dt, T * B * G) as FloatArray; // h·W_hhᵀ + b_hh per step
  const h0d = h0.data as FloatArray;
  let hPrev = h0d;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const off = t * B * G;
    const hg = hgAll.subarray(off, off + B * G);
    gemm(hPrev, W, hg, B, G, H, false, true, false);
    for (let b = 0; b < B; b++) {
      const p = b * G;
      for (let j = 0; j < H; j++) {
        if (bh !== null) {
          hg[p + j]! += bh[j]!;
          hg[p + H + j]! += bh[H + j]!;
          hg[p + 2 * H + j]! += bh[2 * H + j]!;
        }
        const r = sig(X[off + p + j]! + hg[p + j]!);
        const z = sig(X[off + p + H + j]! + hg[p + H + j]!);
        const n = Math.tanh(X[off + p + 2 * H + j]! + r * hg[p + 2 * H + j]!);
        act[off + p + j] = r;
        act[off + p + H + j] = z;
        act[off + p + 2 * H + j] = n;
        Y[t * B * H + b * H + j] = (1 - z) * n + z * hPrev[b * H + j]!;
      }
    }
    hPrev = Y.subarray(t * B * H, (t + 1) * B * H);
  }
  const out = new Tensor(Y, [T, B, H], dt);
  const inputs = bhh === null ? [xw, whh, h0] : [xw, whh, h0, bhh];
  return record(op, inputs, out, (grad) => {
    const gY = grad.data as FloatArray;
    const gX = allocate(dt, T * B * G) as FloatArray;
    const gHg = allocate(dt, B * G) as FloatArray;
    const gW = allocate(dt, G * H) as FloatArray;
    const gb = allocate(dt, G) as FloatArray;
    let gh = allocate(dt, B * H) as FloatArray;
    let next = allocate(dt, B * H) as FloatArray;
    const ghRec = allocate(dt, B * H) as FloatArray;
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const off = t * B * G;
      const hp = s === 0 ? h0d : Y.subarray((reverse ? t + 1 : t - 1) * B * H, ((reverse ? t + 1 : t - 1) + 1) * B * H);
      for (let b = 0; b < B; b++) {
        const p = b * G;
        for (let j = 0; j < H; j++) {
          const k = b * H + j;
          const r = act[off + p + j]!;
          const z = act[off + p + H + j]!;
          const n = act[off + p + 2 * H + j]!;
          const go = gY[t * B * H + k]! + gh[k]!;
          const gn = go * (1 - z) * (1 - n * n);
          const gz = go * (hp[k]! - n) * z * (1 - z);
          const gr = gn * hgAll[off + p + 2 * H + j]! * r * (1 - r);
          gX[off + p + j] = gr;
          gX[off + p + H + j] = gz;
          gX[off + p + 2 * H + j] = gn;
          gHg[p + j] = gr;
          gHg[p + H + j] = gz;
          gHg[p + 2 * H + j] = gn * r;
          next[k] = go * z;
        }
      }
      for (let b = 0; b < B; b++) for (let q = 0; q < G; q++) gb[q]! += gHg[b * G + q]!;
      gemm(gHg, hp, gW, G, H, B, true, false, true);
      gemm(gHg, W, ghRec, B, H, G, false, false, false);
      for (let k = 0; k < B * H; k++) next[k]! += ghRec[k]!;
      [gh, next] = [next, gh];
    }
    const res: Tensor[] = [new Tensor(gX, xw.shape, dt), new Tensor(gW, whh.shape, dt), new Tensor(gh, h0.shape, dt)];
    if (bhh !== null) res.push(new Tensor(gb, bhh.shape, dt));
    return res;
  });
}

// ---------------------------------------------------------------------------------------------
// initialisation

/** Options shared by the recurrent layers and cells. */
export interface RNNCellOptions extends LayerOptions {
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /**
   * Chrono initialisation with this Tmax (> 2), the longest expected dependency in time steps: LSTM
   * forget-gate biases log(U(1, Tmax − 1)) and input-gate biases their negatives; GRU update-gate
   * biases log(U(1, Tmax − 1)) (the update gate z keeps the old state, like a forget gate). The
   * bias_hh entries of those gates are zero. Needs `bias`.
   */
  chronoInit?: number;
}

function checkChrono(op: string, tmax: number | undefined, bias: boolean): void {
  if (tmax === undefined) return;
  check(
    typeof tmax === "number" && Number.isFinite(tmax) && tmax > 2,
    op,
    "chronoInit",
    "a number Tmax > 2",
    String(tmax),
  );
  check(bias, op, "chronoInit", "bias: true (chrono initialisation sets biases)", "bias: false");
}

/**
 * Applies the chrono initialisation to one layer's biases (see {@link RNNCellOptions.chronoInit}).
 * `kind` selects the gate layout: LSTM (i, f, g, o) or GRU (r, z, n).
 */
export function chronoInit(
  biasIh: Tensor,
  biasHh: Tensor,
  kind: "lstm" | "gru",
  tmax: number,
  generator: Generator = getDefaultGenerator(),
): void {
  const op = "chronoInit";
  check(tmax > 2, op, "tmax", "a number > 2", String(tmax));
  const gates = kind === "lstm" ? 4 : 3;
  check(
    biasIh.ndim === 1 && biasIh.shape[0]! % gates === 0,
    op,
    "biasIh",
    `shape [${gates}·H]`,
    fmtShape(biasIh.shape),
  );
  check(biasHh.size === biasIh.size, op, "biasHh", `shape ${fmtShape(biasIh.shape)}`, fmtShape(biasHh.shape));
  const H = biasIh.shape[0]! / gates;
  const bi = biasIh.data;
  const bh = biasHh.data;
  for (let j = 0; j < H; j++) {
    const v = Math.log(generator.uniform(1, tmax - 1));
    if (kind === "lstm") {
      bi[H + j] = v; // forget
      bh[H + j] = 0;
      bi[j] = -v; // input
      bh[j] = 0;
    } else {
      bi[H + j] = v; // update gate z
      bh[H + j] = 0;
    }
  }
  biasIh.version++;
  biasHh.version++;
}

function param(shape: number[], dtype: DType): Parameter {
  return new Parameter(zeros(shape, { dtype }));
}

// ---------------------------------------------------------------------------------------------
// cells

function asBatch(op: string, x: Tensor, inputSize: number): { x: Tensor } {
  if (!(x instanceof Tensor)) opError(op, "input", "a Tensor", typeof x);
  if (x.ndim === 1) x = x.reshape([1, x.shape[0]!]);
  else if (x.ndim !== 2) opError(op, "input", `shape [B, ${inputSize}] or [${inputSize}]`, fmtShape(x.shape));
  check(x.shape[1] === inputSize, op, "input", `${inputSize} features`, `shape ${fmtShape(x.shape)}`);
  return { x };
}

function checkState(op: string, arg: string, s: Tensor, shape: number[]): Tensor {
  if (!(s instanceof Tensor)) opError(op, arg, "a Tensor", typeof s);
  const ok = s.ndim === shape.length && s.shape.every((d, i) => d === shape[i]);
  if (!ok) {
    // an unbatched state for a batch of one is accepted
    if (s.size === shapeSize(shape) && s.ndim === shape.length - 1) return s.reshape(shape);
    opError(op, arg, `shape ${fmtShape(shape)}`, fmtShape(s.shape));
  }
  return s;
}

function shapeSize(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(name: string, gates: number, inputSize: number, hiddenSize: number, opts: RNNCellOptions) {
    super();
    check(Number.isInteger(inputSize) && inputSize > 0, name, "inputSize", "a positive integer", String(inputSize));
    check(Number.isInteger(hiddenSize) && hiddenSize > 0, name, "hiddenSize", "a positive integer", String(hiddenSize));
    const bias = opts.bias ?? true;
    checkChrono(name, opts.chronoInit, bias);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const dt = opts.dtype ?? "float32";
    this.weight_ih = param([gates * hiddenSize, inputSize], dt);
    this.weight_hh = param([gates * hiddenSize, hiddenSize], dt);
    this.bias_ih = bias ? param([gates * hiddenSize], dt) : null;
    this.bias_hh = bias ? param([gates * hiddenSize], dt) : null;
    const k = 1 / Math.sqrt(hiddenSize);
    for (const p of this.parameters()) uniform(p, -k, k, { generator: opts.generator });
    if (opts.chronoInit !== undefined)
      chronoInit(this.bias_ih!, this.bias_hh!, gates === 4 ? "lstm" : "gru", opts.chronoInit, opts.generator);
  }

  /** x·W_ihᵀ + b_ih (+ b_hh when `both`). */
  protected inputProj(x: Tensor, both: boolean): Tensor {
    let y = matmul(x, transpose(this.weight_ih));
    if (this.bias_ih !== null) y = add(y, this.bias_ih);
    if (both && this.bias_hh !== null) y = add(y, this.bias_hh);
    return y;
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}, bias=${this.bias_ih !== null}`;
  }
}

/**
 * One LSTM step (like `torch.nn.LSTMCell`): `forward(x [B, I], [h, c]?)` returns `[h', c']` ([B, H]
 * each; zeros when no state is given). Parameters `weight_ih` [4H, I], `weight_hh` [4H, H], `bias_ih`,
 * `bias_hh` [4H], gates in the order input, forget, cell, output.
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super("LSTMCell", 4, inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const unb = input.ndim === 1;
    const { x } = asBatch("LSTMCell", input, this.inputSize);
    const B = x.shape[0]!;
    const H = this.hiddenSize;
    const h = hx ? checkState("LSTMCell", "hx[0]", hx[0], [B, H]) : zeros([B, H], { dtype: x.dtype });
    const c = hx ? checkState("LSTMCell", "hx[1]", hx[1], [B, H]) : zeros([B, H], { dtype: x.dtype });
    const out = lstmGates(add(this.inputProj(x, true), matmul(h, transpose(this.weight_hh))), c);
    let hn = narrow(out, 1, 0, H);
    let cn = narrow(out, 1, H, H);
    if (unb) {
      hn = hn.reshape([H]);
      cn = cn.reshape([H]);
    }
    return [hn, cn];
  }
}

/**
 * One GRU step (like `torch.nn.GRUCell`): `forward(x [B, I], h?)` returns h' [B, H]. Parameters
 * `weight_ih` [3H, I], `weight_hh` [3H, H], `bias_ih`, `bias_hh` [3H], gates reset, update, new.
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super("GRUCell", 3, inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const unb = input.ndim === 1;
    const { x } = asBatch("GRUCell", input, this.inputSize);
    const B = x.shape[0]!;
    const H = this.hiddenSize;
    const h = hx ? checkState("GRUCell", "hx", hx, [B, H]) : zeros([B, H], { dtype: x.dtype });
    let hg = matmul(h, transpose(this.weight_hh));
    if (this.bias_hh !== null) hg = add(hg, this.bias_hh);
    const hn = gruGates(this.inputProj(x, false), hg, h);
    return unb ? hn.reshape([H]) : hn;
  }
}

// ---------------------------------------------------------------------------------------------
// multi-layer, bidirectional sequence models

/** Options of {@link LSTM} and {@link GRU}. */
export interface RNNOptions extends RNNCellOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Input and output are [B, T, F] instead of [T, B, F] (default false; states stay [L·D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run the sequence backwards and concatenate both directions' outputs (default false). */
  bidirectional?: boolean;
}

interface LayerParams {
  wih: Parameter;
  whh: Parameter;
  bih: Parameter | null;
  bhh: Parameter | null;
}

abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly bias: boolean;
  /** Generator of the dropout masks (default: the global one). */
  generator: Generator | undefined;

  constructor(name: string, gates: number, inputSize: number, hiddenSize: number, opts: RNNOptions) {
    super();
    check(Number.isInteger(inputSize) && inputSize > 0, name, "inputSize", "a positive integer", String(inputSize));
    check(Number.isInteger(hiddenSize) && hiddenSize > 0, name, "hiddenSize", "a positive integer", String(hiddenSize));
    const L = opts.numLayers ?? 1;
    check(Number.isInteger(L) && L > 0, name, "numLayers", "a positive integer", String(L));
    const p = opts.dropout ?? 0;
    check(typeof p === "number" && p >= 0 && p < 1, name, "dropout", "a probability in [0, 1)", String(p));
    const bias = opts.bias ?? true;
    checkChrono(name, opts.chronoInit, bias);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = L;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = opts.bidirectional ?? false;
    this.bias = bias;
    this.generator = undefined;
    const dt = opts.dtype ?? "float32";
    const D = this.bidirectional ? 2 : 1;
    const self = this as unknown as Record<string, Parameter>;
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * D;
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? "_reverse" : ""}`;
        self[`weight_ih${sfx}`] = param([gates * hiddenSize, inSize], dt);
        self[`weight_hh${sfx}`] = param([gates * hiddenSize, hiddenSize], dt);
        if (bias) {
          self[`bias_ih${sfx}`] = param([gates * hiddenSize], dt);
          self[`bias_hh${sfx}`] = param([gates * hiddenSize], dt);
        }
      }
    }
    const k = 1 / Math.sqrt(hiddenSize);
    for (const q of this.parameters()) uniform(q, -k, k, { generator: opts.generator });
    if (opts.chronoInit !== undefined) {
      for (let l = 0; l < L; l++) {
        for (let d = 0; d < D; d++) {
          const P = this.layerParams(l, d);
          chronoInit(P.bih!, P.bhh!, gates === 4 ? "lstm" : "gru", opts.chronoInit, opts.generator);
        }
      }
    }
  }

  /** The parameters of layer `l`, direction `d` (0 forward, 1 reverse). */
  layerParams(l: number, d: number): LayerParams {
    const sfx = `_l${l}${d === 1 ? "_reverse" : ""}`;
    const self = this as unknown as Record<string, Parameter | undefined>;
    return {
      wih: self[`weight_ih${sfx}`]!,
      whh: self[`weight_hh${sfx}`]!,
      bih: self[`bias_ih${sfx}`] ?? null,
      bhh: self[`bias_hh${sfx}`] ?? null,
    };
  }

  /** Validates the input; returns it time-major [T, B, F] and whether it was unbatched. */
  protected prepare(op: string, input: Tensor): { x: Tensor; unbatched: boolean } {
    if (!(input instanceof Tensor)) opError(op, "input", "a Tensor", typeof input);
    let x = input;
    let unbatched = false;
    if (x.ndim === 2) {
      x = x.reshape([x.shape[0]!, 1, x.shape[1]!]);
      unbatched = true;
    } else if (x.ndim !== 3) {
      opError(
        op,
        "input",
        this.batchFirst ? `shape [B, T, ${this.inputSize}]` : `shape [T, B, ${this.inputSize}]`,
        fmtShape(input.shape),
      );
    } else if (this.batchFirst) x = transpose(x, 0, 1);
    check(
      x.shape[2] === this.inputSize,
      op,
      "input",
      `${this.inputSize} features (last axis)`,
      `shape ${fmtShape(input.shape)}`,
    );
    check(x.shape[0]! > 0, op, "input", "at least one time step", `shape ${fmtShape(input.shape)}`);
    return { x, unbatched };
  }

  protected stateShape(B: number): number[] {
    return [this.numLayers * (this.bidirectional ? 2 : 1), B, this.hiddenSize];
  }

  /**
   * Runs all layers and directions over x [T, B, F] from the initial states (per layer·direction:
   * [h] for the GRU, [h, c] for the LSTM); returns the last layer's output [T, B, D·H] and the final
   * states.
   */
  protected runLayers(x: Tensor, states: Tensor[][], kind: "lstm" | "gru"): { out: Tensor; states: Tensor[][] } {
    const T = x.shape[0]!;
    const B = x.shape[1]!;
    const H = this.hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const finals: Tensor[][] = [];
    let layerIn = x;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropout > 0 && this.training) layerIn = dropout(layerIn, this.dropout, true, this.generator);
      const dirOuts: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const P = this.layerParams(l, d);
        const F = layerIn.shape[2]!;
        // input projections of all steps in one product; the LSTM folds both biases in here
        let xw = matmul(layerIn.reshape([T * B, F]), transpose(P.wih));
        if (P.bih !== null) xw = add(xw, P.bih);
        if (kind === "lstm" && P.bhh !== null) xw = add(xw, P.bhh);
        xw = xw.reshape([T, B, xw.shape[1]!]);
        const st = states[l * D + d]!;
        const last = d === 1 ? 0 : T - 1;
        if (kind === "lstm") {
          const Y = lstmSequence(xw, P.whh, st[0]!, st[1]!, d === 1);
          dirOuts.push(narrow(Y, 2, 0, H));
          const fin = narrow(Y, 0, last, 1).reshape([B, 2 * H]);
          finals.push([narrow(fin, 1, 0, H), narrow(fin, 1, H, H)]);
        } else {
          const Y = gruSequence(xw, P.whh, P.bhh, st[0]!, d === 1);
          dirOuts.push(Y);
          finals.push([narrow(Y, 0, last, 1).reshape([B, H])]);
        }
      }
      layerIn = D === 1 ? dirOuts[0]! : concat(dirOuts, 2);
    }
    return { out: layerIn, states: finals };
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push("bias=false");
    if (this.batchFirst) parts.push("batchFirst=true");
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push("bidirectional=true");
    return parts.join(", ");
  }
}

/**
 * Multi-layer LSTM over a sequence (like `torch.nn.LSTM`). `forward(x, [h0, c0]?)` takes x [T, B, I]
 * ([B, T, I] with `batchFirst`, or unbatched [T, I]) and states [numLayers·D, B, H] (zeros when
 * omitted), and returns `[output, [hN, cN]]` with output [T, B, D·H] (the last layer's hidden states,
 * both directions concatenated). Parameters `weight_ih_l{k}[_reverse]` [4H, in], `weight_hh_l{k}` [4H, H],
 * `bias_ih_l{k}`, `bias_hh_l{k}` [4H].
 *
 * ```ts
 * const lstm = new LSTM(8, 32, { numLayers: 2, batchFirst: true, chronoInit: 100 });
 * const [out, [h, c]] = lstm.forward(x); // x [B, T, 8]
 * ```
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super("LSTM", 4, inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const { x, unbatched } = this.prepare("LSTM", input);
    const B = x.shape[1]!;
    const H = this.hiddenSize;
    const sshape = this.stateShape(B);
    const h0 = hx ? checkState("LSTM", "hx[0]", hx[0], sshape) : zeros(sshape, { dtype: x.dtype });
    const c0 = hx ? checkState("LSTM", "hx[1]", hx[1], sshape) : zeros(sshape, { dtype: x.dtype });
    const hs = split(h0, 1, 0).map((t) => t.reshape([B, H]));
    const cs = split(c0, 1, 0).map((t) => t.reshape([B, H]));
    const states = hs.map((h, i) => [h, cs[i]!]);
    const r = this.runLayers(x, states, "lstm");
    let out = r.out;
    let hN = stack(
      r.states.map((s) => s[0]!),
      0,
    );
    let cN = stack(
      r.states.map((s) => s[1]!),
      0,
    );
    if (unbatched) {
      out = out.reshape([out.shape[0]!, out.shape[2]!]);
      hN = hN.reshape([hN.shape[0]!, H]);
      cN = cN.reshape([cN.shape[0]!, H]);
    } else if (this.batchFirst) out = transpose(out, 0, 1);
    return [out, [hN, cN]];
  }
}

/**
 * Multi-layer GRU over a sequence (like `torch.nn.GRU`). `forward(x, h0?)` returns `[output, hN]` with
 * the shapes of {@link LSTM}; parameters `weight_ih_l{k}` [3H, in] etc., gates reset, update, new.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super("GRU", 3, inputSize, hiddenSize, opts);
  }

  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const { x, unbatched } = this.prepare("GRU", input);
    const B = x.shape[1]!;
    const H = this.hiddenSize;
    const sshape = this.stateShape(B);
    const h0 = hx ? checkState("GRU", "hx", hx, sshape) : zeros(sshape, { dtype: x.dtype });
    const states = split(h0, 1, 0).map((t) => [t.reshape([B, H])]);
    const r = this.runLayers(x, states, "gru");
    let out = r.out;
    let hN = stack(
      r.states.map((s) => s[0]!),
      0,
    );
    if (unbatched) {
      out = out.reshape([out.shape[0]!, out.shape[2]!]);
      hN = hN.reshape([hN.shape[0]!, H]);
    } else if (this.batchFirst) out = transpose(out, 0, 1);
    return [out, hN];
  }
}
