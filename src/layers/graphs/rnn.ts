/**
 * Small recurrent cells used by graph layers (GatedGraphConv, Set2Set, JumpingKnowledge 'lstm'),
 * with PyTorch's parameter layout and initialisation (uniform in ±1/√hidden):
 *
 *   GRUCell:  r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *             n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
 *   LSTMCell: [i, f, g, o] = W_ih x + b_ih + W_hh h + b_hh;  c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),
 *             h' = σ(o) ⊙ tanh(c')
 */
import { uniform } from "../../nn/init.js";
import { Module, Parameter } from "../../nn/module.js";
import { add, chunk, mul, sigmoid, sub, type Tensor, tanh, zeros } from "../../tensor/index.js";

function affine(x: Tensor, w: Parameter, b: Parameter | null): Tensor {
  const y = x.matmul(w.t());
  return b === null ? y : add(y, b);
}

/** A gated recurrent unit cell (like `torch.nn.GRUCell`). */
export class GRUCell extends Module<[Tensor, (Tensor | null)?], Tensor> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;

  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super();
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    this.weightIh = new Parameter(uniform(zeros([3 * hiddenSize, inputSize]), -k, k));
    this.weightHh = new Parameter(uniform(zeros([3 * hiddenSize, hiddenSize]), -k, k));
    const bias = opts.bias ?? true;
    this.biasIh = bias ? new Parameter(uniform(zeros([3 * hiddenSize]), -k, k)) : null;
    this.biasHh = bias ? new Parameter(uniform(zeros([3 * hiddenSize]), -k, k)) : null;
  }

  /** One step: input [B, inputSize], state [B, hiddenSize] (zeros when absent) → new state. */
  forward(x: Tensor, h: Tensor | null = null): Tensor {
    const hx = h ?? zeros([x.shape[0]!, this.hiddenSize], { dtype: x.dtype });
    const [ir, iz, inn] = chunk(affine(x, this.weightIh, this.biasIh), 3, -1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = chunk(affine(hx, this.weightHh, this.biasHh), 3, -1) as [Tensor, Tensor, Tensor];
    const r = sigmoid(add(ir, hr));
    const z = sigmoid(add(iz, hz));
    const n = tanh(add(inn, mul(r, hn)));
    return add(mul(sub(1, z), n), mul(z, hx));
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}`;
  }
}

/** A long short-term memory cell (like `torch.nn.LSTMCell`). */
export class LSTMCell extends Module<[Tensor, ([Tensor, Tensor] | null)?], [Tensor, Tensor]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;

  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean } = {}) {
    super();
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    this.weightIh = new Parameter(uniform(zeros([4 * hiddenSize, inputSize]), -k, k));
    this.weightHh = new Parameter(uniform(zeros([4 * hiddenSize, hiddenSize]), -k, k));
    const bias = opts.bias ?? true;
    this.biasIh = bias ? new Parameter(uniform(zeros([4 * hiddenSize]), -k, k)) : null;
    this.biasHh = bias ? new Parameter(uniform(zeros([4 * hiddenSize]), -k, k)) : null;
  }

  /** One step: input [B, inputSize], state `[h, c]` (zeros when absent) → `[h', c']`. */
  forward(x: Tensor, state: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const B = x.shape[0]!;
    const h = state?.[0] ?? zeros([B, this.hiddenSize], { dtype: x.dtype });
    const c = state?.[1] ?? zeros([B, this.hiddenSize], { dtype: x.dtype });
    const gates = add(affine(x, this.weightIh, this.biasIh), affine(h, this.weightHh, this.biasHh));
    const [i, f, g, o] = chunk(gates, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
    const c2 = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
    const h2 = mul(sigmoid(o), tanh(c2));
    return [h2, c2];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}`;
  }
}
