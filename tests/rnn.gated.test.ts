import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  Generator,
  GRU,
  GRUCell,
  gradcheck,
  gruGates,
  gruSequence,
  LSTM,
  LSTMCell,
  lstmGates,
  lstmSequence,
  type Module,
  randn,
  type Tensor,
  tensor,
} from "../src/index.js";

/** PyTorch outputs for fixed parameters (see tests/fixtures/rnn_torch_ref.py). */
const ref = JSON.parse(readFileSync(new URL("./fixtures/rnn_torch_ref.json", import.meta.url), "utf8"));

const f64 = (v: number[], shape: number[]) => tensor(Float64Array.from(v), { shape });

function load(m: Module, params: Record<string, number[]>) {
  const sd: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(m.stateDict())) sd[k] = f64(params[k]!, [...t.shape]);
  m.loadStateDict(sd);
}

function expectValues(t: Tensor, v: number[], tol = 1e-10) {
  expect(t.size).toBe(v.length);
  for (let i = 0; i < v.length; i++) expect(Math.abs(t.data[i]! - v[i]!)).toBeLessThan(tol);
}

describe("LSTM / GRU match PyTorch", () => {
  it("parameter names and order", () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
    expect(Object.keys(lstm.stateDict())).toEqual(ref.lstm.names);
    const gru = new GRU(3, 4, { numLayers: 2, bidirectional: true });
    expect(Object.keys(gru.stateDict())).toEqual(ref.gru.names);
    expect(lstm.stateDict().weight_ih_l1_reverse!.shape).toEqual([16, 8]);
    expect(gru.stateDict().weight_hh_l0!.shape).toEqual([12, 4]);
    expect(Object.keys(new LSTMCell(3, 4).stateDict())).toEqual(["weight_ih", "weight_hh", "bias_ih", "bias_hh"]);
    expect(Object.keys(new LSTM(3, 4, { bias: false }).stateDict())).toEqual(["weight_ih_l0", "weight_hh_l0"]);
    // default init U(±1/√H)
    for (const p of new GRU(3, 16).parameters()) for (const v of p.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
  });

  it("2-layer bidirectional LSTM (batchFirst) with initial states", () => {
    const r = ref.lstm;
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, dtype: "float64" });
    load(lstm, r.params);
    const [y, [h, c]] = lstm.forward(f64(r.x, [2, 5, 3]), [f64(r.h0, [4, 2, 4]), f64(r.c0, [4, 2, 4])]);
    expect(y.shape).toEqual(r.y_shape);
    expectValues(y, r.y);
    expectValues(h, r.h);
    expectValues(c, r.c);
  });

  it("2-layer bidirectional GRU (time-major)", () => {
    const r = ref.gru;
    const gru = new GRU(3, 4, { numLayers: 2, bidirectional: true, dtype: "float64" });
    load(gru, r.params);
    const [y, h] = gru.forward(f64(r.x, [5, 2, 3]), f64(r.h0, [4, 2, 4]));
    expect(y.shape).toEqual(r.y_shape);
    expectValues(y, r.y);
    expectValues(h, r.h);
  });

  it("cells", () => {
    const x = f64(ref.lstm.x, [2, 5, 3]).narrow(1, 0, 1).reshape([2, 3]);
    const h0 = f64(ref.lstm.h0, [4, 2, 4]).narrow(0, 0, 1).reshape([2, 4]);
    const c0 = f64(ref.lstm.c0, [4, 2, 4]).narrow(0, 0, 1).reshape([2, 4]);
    const cell = new LSTMCell(3, 4, { dtype: "float64" });
    load(cell, ref.lstm_cell.params);
    const [h, c] = cell.forward(x, [h0, c0]);
    expectValues(h, ref.lstm_cell.h);
    expectValues(c, ref.lstm_cell.c);
    const g = new GRUCell(3, 4, { dtype: "float64" });
    load(g, ref.gru_cell.params);
    expectValues(g.forward(x, h0), ref.gru_cell.h);
  });

  it("shapes: unbatched input, default states, batchFirst output", () => {
    const lstm = new LSTM(3, 5, { numLayers: 2 });
    const [y, [h, c]] = lstm.forward(randn([7, 3]));
    expect(y.shape).toEqual([7, 5]);
    expect(h.shape).toEqual([2, 5]);
    expect(c.shape).toEqual([2, 5]);
    const gru = new GRU(3, 5, { batchFirst: true, bidirectional: true });
    const [yg, hg] = gru.forward(randn([4, 7, 3]));
    expect(yg.shape).toEqual([4, 7, 10]);
    expect(hg.shape).toEqual([2, 4, 5]);
    expect(new LSTMCell(3, 5).forward(randn([3]))[0].shape).toEqual([5]);
  });

  it("errors name the argument", () => {
    const lstm = new LSTM(3, 5);
    expect(() => lstm.forward(randn([7, 2, 4]))).toThrow(
      /LSTM: argument 'input' expected 3 features \(last axis\), got shape \[7, 2, 4\]/,
    );
    expect(() => lstm.forward(randn([7, 2, 3]), [randn([1, 3, 5]), randn([1, 2, 5])])).toThrow(
      /LSTM: argument 'hx\[0\]' expected shape \[1, 2, 5\], got \[1, 3, 5\]/,
    );
    expect(() => new GRU(3, 4, { dropout: 1 })).toThrow(/GRU: argument 'dropout' expected a probability in \[0, 1\)/);
    expect(() => new LSTM(3, 4, { chronoInit: 1 })).toThrow(
      /LSTM: argument 'chronoInit' expected a number Tmax > 2, got 1/,
    );
    expect(() => new GRUCell(3, 4).forward(randn([2, 2]))).toThrow(/GRUCell: argument 'input' expected 3 features/);
  });
});

describe("gradients (float64 gradcheck)", () => {
  const d = (shape: number[], g: Generator) => randn(shape, { generator: g, dtype: "float64" }).requiresGrad_();
  it("fused gate ops", () => {
    const g = new Generator(1);
    gradcheck((a, c) => lstmGates(a!, c!), [d([3, 8], g), d([3, 2], g)]);
    gradcheck((a, b, h) => gruGates(a!, b!, h!), [d([3, 6], g), d([3, 6], g), d([3, 2], g)]);
  });
  it("whole-sequence ops, both directions", () => {
    const g = new Generator(7);
    for (const rev of [false, true]) {
      gradcheck(
        (xw, w, h0, c0) => lstmSequence(xw!, w!, h0!, c0!, rev),
        [d([4, 2, 8], g), d([8, 2], g), d([2, 2], g), d([2, 2], g)],
      );
      gradcheck(
        (xw, w, b, h0) => gruSequence(xw!, w!, b!, h0!, rev),
        [d([4, 2, 6], g), d([6, 2], g), d([6], g), d([2, 2], g)],
      );
    }
    gradcheck((xw, w, h0) => gruSequence(xw!, w!, null, h0!), [d([3, 2, 6], g), d([6, 2], g), d([2, 2], g)]);
  });
  it("LSTMCell and GRUCell (inputs, states and parameters)", () => {
    const g = new Generator(2);
    const cell = new LSTMCell(3, 2, { dtype: "float64", generator: g });
    gradcheck(
      (x, h, c) => {
        const [hn, cn] = cell.forward(x!, [h!, c!]);
        return hn.add(cn.mul(0.5));
      },
      [d([2, 3], g), d([2, 2], g), d([2, 2], g)],
    );
    gradcheck(
      (w) => {
        cell.weight_hh = w as never;
        return cell.forward(randn([2, 3], { dtype: "float64", generator: new Generator(5) }))[0];
      },
      [d([8, 2], g)],
    );
    const gc = new GRUCell(3, 2, { dtype: "float64", generator: g });
    gradcheck((x, h) => gc.forward(x!, h!), [d([2, 3], g), d([2, 2], g)]);
  });
  it("a 2-layer bidirectional LSTM and GRU over a sequence", () => {
    const g = new Generator(3);
    const lstm = new LSTM(2, 3, { numLayers: 2, bidirectional: true, dtype: "float64", generator: g });
    gradcheck((x) => lstm.forward(x!)[0], [d([4, 2, 2], g)]);
    const gru = new GRU(2, 3, { numLayers: 2, batchFirst: true, dtype: "float64", generator: g });
    gradcheck((x, h) => gru.forward(x!, h!)[1], [d([2, 4, 2], g), d([2, 2, 3], g)]);
    // parameters receive gradients
    const [y] = lstm.forward(randn([4, 2, 2], { dtype: "float64", generator: g }));
    y.sum().backward();
    for (const [name, p] of lstm.namedParameters()) expect(p.grad, name).not.toBeNull();
  });
});

describe("chrono initialisation", () => {
  it("sets forget biases to log U(1, Tmax − 1) and input biases to their negatives", () => {
    const lstm = new LSTM(2, 64, { chronoInit: 50, numLayers: 2, generator: new Generator(4) });
    for (const l of [0, 1]) {
      const { bih, bhh } = lstm.layerParams(l, 0);
      const H = 64;
      for (let j = 0; j < H; j++) {
        const f = bih!.data[H + j]!;
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(Math.log(49) + 1e-6);
        expect(bih!.data[j]).toBeCloseTo(-f, 6);
        expect(bhh!.data[j]).toBe(0);
        expect(bhh!.data[H + j]).toBe(0);
      }
    }
    const gru = new GRU(2, 8, { chronoInit: 10, generator: new Generator(4) });
    const { bih } = gru.layerParams(0, 0);
    for (let j = 0; j < 8; j++) expect(bih!.data[8 + j]).toBeGreaterThanOrEqual(0);
  });
});
