import { describe, expect, it } from "vitest";
import {
  assertEquivariant,
  conv1d,
  conv2d,
  conv3d,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  Generator,
  gradcheck,
  gridAction,
  randn,
  type Tensor,
  TranslationGroup,
  tensor,
} from "../src/index.js";
import { getKernelBackend, setKernelBackend } from "../src/kernels/index.js";

/** Direct (naive) N-d cross-correlation with zero padding, for checking. Shapes padded to 3 spatial axes. */
function naiveConv(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  stride: number[],
  padding: number[],
  dilation: number[],
  groups: number,
): { data: number[]; shape: number[] } {
  const D = x.ndim - 2;
  const to3 = (a: number[], f: number) => [...new Array(3 - a.length).fill(f), ...a];
  const [N, Cin] = x.shape as number[];
  const Cout = w.shape[0]!;
  const inS = to3(x.shape.slice(2) as number[], 1);
  const k = to3(w.shape.slice(2) as number[], 1);
  const s = to3(stride, 1);
  const p = to3(padding, 0);
  const d = to3(dilation, 1);
  const outS = inS.map((n, i) => Math.floor((n + 2 * p[i]! - d[i]! * (k[i]! - 1) - 1) / s[i]!) + 1);
  const Cg = Cin! / groups;
  const Og = Cout / groups;
  const out: number[] = [];
  for (let n = 0; n < N!; n++)
    for (let co = 0; co < Cout; co++) {
      const g = Math.floor(co / Og);
      for (let z = 0; z < outS[0]!; z++)
        for (let y = 0; y < outS[1]!; y++)
          for (let t = 0; t < outS[2]!; t++) {
            let acc = b ? b.data[co]! : 0;
            for (let c = 0; c < Cg; c++)
              for (let a = 0; a < k[0]!; a++)
                for (let bb = 0; bb < k[1]!; bb++)
                  for (let e = 0; e < k[2]!; e++) {
                    const iz = z * s[0]! - p[0]! + a * d[0]!;
                    const iy = y * s[1]! - p[1]! + bb * d[1]!;
                    const ix = t * s[2]! - p[2]! + e * d[2]!;
                    if (iz < 0 || iy < 0 || ix < 0 || iz >= inS[0]! || iy >= inS[1]! || ix >= inS[2]!) continue;
                    const xi = (((n * Cin! + g * Cg + c) * inS[0]! + iz) * inS[1]! + iy) * inS[2]! + ix;
                    const wi = (((co * Cg + c) * k[0]! + a) * k[1]! + bb) * k[2]! + e;
                    acc += x.data[xi]! * w.data[wi]!;
                  }
            out.push(acc);
          }
    }
  return { data: out, shape: [N!, Cout, ...outS.slice(3 - D)] };
}

function expectClose(a: Tensor, data: number[], shape: number[], tol = 1e-4) {
  expect([...a.shape]).toEqual(shape);
  expect(a.size).toBe(data.length);
  for (let i = 0; i < data.length; i++)
    expect(Math.abs(a.data[i]! - data[i]!)).toBeLessThan(tol * (1 + Math.abs(data[i]!)));
}

const gen = () => new Generator(7);

describe("conv2d forward", () => {
  it("matches a hand-computed 3×3 example", () => {
    // x = 1..16 on a 4×4 grid, w = [[0,1,0],[1,-4,1],[0,1,0]] (Laplacian), no padding → 2×2
    const x = tensor([
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
    ]);
    const w = tensor([
      [
        [
          [0, 1, 0],
          [1, -4, 1],
          [0, 1, 0],
        ],
      ],
    ]);
    const y = conv2d(x, w);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(y.toFlatArray()).toEqual([0, 0, 0, 0]); // a linear ramp has zero Laplacian
    const box = tensor([
      [
        [
          [1, 1],
          [1, 1],
        ],
      ],
    ]);
    const yb = conv2d(x, box, tensor([0.5]), { stride: 2 });
    expect(yb.toFlatArray()).toEqual([
      1 + 2 + 5 + 6 + 0.5,
      3 + 4 + 7 + 8 + 0.5,
      9 + 10 + 13 + 14 + 0.5,
      11 + 12 + 15 + 16 + 0.5,
    ]);
    // zero padding 1 with a 3×3 box: corner sums 4 values
    const ones3 = tensor([
      [
        [
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ],
      ],
    ]);
    const yp = conv2d(x, ones3, null, { padding: 1 });
    expect(yp.shape).toEqual([1, 1, 4, 4]);
    expect(yp.data[0]).toBe(1 + 2 + 5 + 6);
    expect(yp.data[5]).toBe(1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11);
  });

  it("matches the naive convolution over strides, padding, dilation and groups", () => {
    const g = gen();
    const cases: [number[], number[], number[], number[], number, number[]][] = [
      // [xShape, wShape, stride, padding, groups, dilation]
      [[2, 3, 7, 6], [4, 3, 3, 3], [1, 1], [1, 1], 1, [1, 1]],
      [[2, 4, 8, 9], [6, 2, 3, 2], [2, 1], [1, 0], 2, [1, 1]],
      [[1, 4, 9, 9], [4, 1, 3, 3], [2, 2], [2, 2], 4, [2, 2]],
      [[3, 2, 5, 5], [3, 2, 1, 1], [1, 1], [0, 0], 1, [1, 1]],
      [[1, 2, 6, 7], [2, 2, 2, 3], [3, 2], [1, 2], 1, [1, 2]],
    ];
    for (const [xs, ws, s, p, gr, d] of cases) {
      const x = randn(xs, { generator: g });
      const w = randn(ws, { generator: g });
      const b = randn([ws[0]!], { generator: g });
      const y = conv2d(x, w, b, { stride: s, padding: p, groups: gr, dilation: d });
      const ref = naiveConv(x, w, b, s, p, d, gr);
      expectClose(y, ref.data, ref.shape);
    }
  });

  it("supports 'same' and 'valid' padding, unbatched input and methods", () => {
    const g = gen();
    const x = randn([2, 5, 6], { generator: g });
    const w = randn([3, 2, 4, 3], { generator: g });
    const y = conv2d(x, w, null, { padding: "same" });
    expect(y.shape).toEqual([3, 5, 6]);
    // 'same' with an even kernel pads 1 before and 2 after along H (like PyTorch)
    const xp = x.reshape([1, 2, 5, 6]).pad([1, 1, 1, 2]);
    const ref = conv2d(xp, w);
    expectClose(y, ref.toFlatArray(), [3, 5, 6]);
    expect(x.conv2d(w, null, { padding: "valid" }).shape).toEqual([3, 2, 4]);
  });

  it("padding modes circular / reflect / replicate match an explicit pad", () => {
    const g = gen();
    const x = randn([1, 2, 5, 6], { generator: g });
    const w = randn([3, 2, 3, 3], { generator: g });
    for (const mode of ["circular", "reflect", "replicate"] as const) {
      const y = conv2d(x, w, null, { padding: [1, 2], paddingMode: mode });
      const ref = conv2d(x.pad([2, 2, 1, 1], mode), w);
      expectClose(y, ref.toFlatArray(), [...ref.shape]);
    }
  });

  it("1-D and 3-D match the naive convolution", () => {
    const g = gen();
    const x1 = randn([2, 4, 11], { generator: g });
    const w1 = randn([6, 2, 3], { generator: g });
    const y1 = conv1d(x1, w1, null, { stride: 2, padding: 2, dilation: 2, groups: 2 });
    const r1 = naiveConv(x1, w1, null, [2], [2], [2], 2);
    expectClose(y1, r1.data, r1.shape);
    const x3 = randn([2, 2, 5, 4, 6], { generator: g });
    const w3 = randn([3, 2, 3, 2, 3], { generator: g });
    const b3 = randn([3], { generator: g });
    const y3 = conv3d(x3, w3, b3, { stride: [1, 2, 2], padding: [1, 0, 1] });
    const r3 = naiveConv(x3, w3, b3, [1, 2, 2], [1, 0, 1], [1, 1, 1], 1);
    expectClose(y3, r3.data, r3.shape);
  });

  it("3-D over a single input plane with padding along it (not the 2-D paths)", () => {
    // input depth 1, kernel depth 1, depth padding 1: the output has 3 planes, the outer two bias only
    const g = gen();
    for (const dtype of ["float32", "float64"] as const) {
      for (const [Cin, Cout] of [
        [2, 3],
        [8, 4], // 1×3×3 with ≥ 8 channels: the Winograd shape in 2-D
      ] as const) {
        const x = randn([2, Cin, 1, 6, 5], { generator: g, dtype });
        const w = randn([Cout, Cin, 1, 3, 3], { generator: g, dtype });
        const b = randn([Cout], { generator: g, dtype });
        const y = conv3d(x, w, b, { padding: [1, 1, 1] });
        const r = naiveConv(x, w, b, [1, 1, 1], [1, 1, 1], [1, 1, 1], 1);
        expectClose(y, r.data, r.shape, dtype === "float32" ? 1e-4 : 1e-10);
      }
    }
    gradcheck(
      (x, w, b) => conv3d(x!, w!, b!, { padding: [1, 1, 0] }),
      [
        randn([1, 2, 1, 4, 3], { generator: g, dtype: "float64" }).requiresGrad_(),
        randn([2, 2, 1, 3, 3], { generator: g, dtype: "float64" }).requiresGrad_(),
        randn([2], { generator: g, dtype: "float64" }).requiresGrad_(),
      ],
    );
  });

  it("float64 stays float64", () => {
    const x = randn([1, 1, 4, 4], { dtype: "float64" });
    const w = randn([1, 1, 3, 3], { dtype: "float64" });
    expect(conv2d(x, w).dtype).toBe("float64");
  });
});

describe("conv errors", () => {
  const x = randn([2, 4, 5, 5]);
  it("names op, argument, expected and actual", () => {
    expect(() => conv2d(x, randn([3, 3, 3, 3]))).toThrow(/conv2d: argument 'input' expected 3 channels .* got 4/);
    expect(() => conv2d(x, randn([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
      /conv2d: argument 'weight' expected out channels .* divisible by groups = 2, got 3/,
    );
    expect(() => conv2d(x, randn([3, 4, 7, 7]))).toThrow(
      /conv2d: argument 'weight' expected a kernel .* no larger than the padded input .*got effective size 7 > 5/,
    );
    expect(() => conv2d(randn([4, 5, 5]).reshape([4, 25]), randn([3, 4, 3, 3]))).toThrow(
      /conv2d: argument 'input' expected 4-D \[N, C, H, W\].*got shape \[4, 25\]/,
    );
    expect(() => conv2d(x, randn([3, 4, 3]))).toThrow(/conv2d: argument 'weight' expected 4-D/);
    expect(() => conv2d(x, randn([3, 4, 3, 3]), randn([4]))).toThrow(
      /conv2d: argument 'bias' expected shape \[3\], got \[4\]/,
    );
    expect(() => conv2d(x, randn([3, 4, 3, 3]), null, { stride: 2, padding: "same" })).toThrow(
      /argument 'padding' expected stride 1/,
    );
    expect(() => conv2d(x, randn([3, 4, 3, 3], { dtype: "float64" }))).toThrow(
      /argument 'weight' expected dtype float32/,
    );
    expect(() => conv2d(x, randn([3, 4, 3, 3]), null, { padding: 5, paddingMode: "reflect" })).toThrow(
      /argument 'padding' expected padding at most 4/,
    );
    expect(() => conv1d(randn([1, 2, 4]), randn([1, 2, 3]), null, { stride: 0 })).toThrow(
      /conv1d: argument 'stride' expected an integer >= 1/,
    );
    expect(() => convTranspose2d(x, randn([3, 2, 3, 3]))).toThrow(
      /convTranspose2d: argument 'input' expected 3 channels/,
    );
    expect(() => convTranspose2d(x, randn([4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 })).toThrow(
      /argument 'outputPadding' expected values smaller/,
    );
  });
});

describe("convTranspose", () => {
  it("is the adjoint of conv: ⟨convT(y, w), x⟩ = ⟨y, conv(x, w)⟩", () => {
    const g = gen();
    const configs = [
      { x: [2, 4, 7, 6], w: [6, 2, 3, 3], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 },
      { x: [1, 3, 5, 5], w: [2, 3, 2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 1 },
    ];
    for (const c of configs) {
      const x = randn(c.x, { generator: g, dtype: "float64" });
      const w = randn(c.w, { generator: g, dtype: "float64" });
      const y = conv2d(x, w, null, c);
      const v = randn([...y.shape], { generator: g, dtype: "float64" });
      // output padding so the transposed output has x's size
      const outPad = [0, 1].map(
        (i) => (x.shape[i + 2]! + 2 * c.padding[i]! - c.dilation[i]! * (c.w[i + 2]! - 1) - 1) % c.stride[i]!,
      );
      const z = convTranspose2d(v, w, null, { ...c, outputPadding: outPad });
      expect(z.shape).toEqual(x.shape);
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < x.size; i++) lhs += z.data[i]! * x.data[i]!;
      for (let i = 0; i < y.size; i++) rhs += v.data[i]! * y.data[i]!;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9 * (1 + Math.abs(rhs)));
    }
  });

  it("hand-computed: stride-2 2×2 transposed conv upsamples", () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    const w = tensor([
      [
        [
          [1, 1],
          [1, 1],
        ],
      ],
    ]);
    const y = convTranspose2d(x, w, tensor([0.5]), { stride: 2 });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(y.toArray()).toEqual([
      [
        [
          [1.5, 1.5, 2.5, 2.5],
          [1.5, 1.5, 2.5, 2.5],
          [3.5, 3.5, 4.5, 4.5],
          [3.5, 3.5, 4.5, 4.5],
        ],
      ],
    ]);
    // output size formula with padding and outputPadding
    expect(
      convTranspose2d(randn([1, 1, 5, 5]), randn([1, 3, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 })
        .shape,
    ).toEqual([1, 3, 10, 10]);
    expect(convTranspose1d(randn([2, 2, 4]), randn([2, 1, 3])).shape).toEqual([2, 1, 6]);
    expect(convTranspose3d(randn([1, 2, 2, 2, 2]), randn([2, 1, 2, 2, 2]), null, { stride: 2 }).shape).toEqual([
      1, 1, 4, 4, 4,
    ]);
  });
});

describe("conv gradients (float64 gradcheck)", () => {
  const d = (shape: number[], g: Generator) => randn(shape, { generator: g, dtype: "float64" }).requiresGrad_();
  it("conv2d: input, weight and bias; stride/padding/dilation/groups", () => {
    const g = gen();
    gradcheck(
      (x, w, b) => conv2d(x!, w!, b!, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }),
      [d([2, 4, 5, 6], g), d([4, 2, 3, 2], g), d([4], g)],
    );
    gradcheck((x, w) => conv2d(x!, w!, null, { padding: "same" }), [d([1, 2, 4, 4], g), d([3, 2, 2, 3], g)]);
    gradcheck((x, w) => conv2d(x!, w!), [d([2, 3, 3, 3], g), d([2, 3, 1, 1], g)]); // 1×1 direct path
  });
  it("depthwise (one channel per group, strided: the tap-loop path): values, gradients, transposed", () => {
    const g = gen();
    const opts = { stride: [2, 3], padding: [2, 1], dilation: [1, 2], groups: 3 };
    const x = d([2, 3, 7, 8], g);
    const w = d([3, 1, 3, 2], g);
    const b = d([3], g);
    // against a plain loop over the definition
    const y = conv2d(x, w, b, opts);
    const [oh, ow] = [y.shape[2]!, y.shape[3]!];
    expect([oh, ow]).toEqual([5, 3]);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++)
        for (let oy = 0; oy < oh; oy++)
          for (let ox = 0; ox < ow; ox++) {
            let s = b.data[c]!;
            for (let i = 0; i < 3; i++)
              for (let j = 0; j < 2; j++) {
                const iy = 2 * oy + i - 2;
                const ix = 3 * ox + 2 * j - 1;
                if (iy >= 0 && iy < 7 && ix >= 0 && ix < 8)
                  s += w.data[(c * 3 + i) * 2 + j]! * x.data[((n * 3 + c) * 7 + iy) * 8 + ix]!;
              }
            expect(y.data[((n * 3 + c) * oh + oy) * ow + ox]).toBeCloseTo(s, 12);
          }
    gradcheck((x, w, b) => conv2d(x!, w!, b!, opts), [x, w, b]);
    gradcheck((x, w) => conv1d(x!, w!, null, { stride: 2, padding: 3, groups: 2 }), [d([2, 2, 9], g), d([2, 1, 5], g)]);
    gradcheck(
      (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1, groups: 3 }),
      [d([1, 3, 3, 4], g), d([3, 1, 3, 3], g), d([3], g)],
    );
    // float32 (the antialiased pooling of the C8 model: a 5×5 blur with stride 2) against float64
    const x32 = randn([2, 4, 9, 9], { generator: g });
    const w32 = randn([4, 1, 5, 5], { generator: g });
    const y32 = conv2d(x32, w32, null, { stride: 2, padding: 2, groups: 4 });
    const y64 = conv2d(x32.cast("float64"), w32.cast("float64"), null, { stride: 2, padding: 2, groups: 4 });
    for (let i = 0; i < y64.size; i++) expect(y32.data[i]).toBeCloseTo(y64.data[i]!, 4);
  });
  it("conv2d with circular, reflect and replicate padding", () => {
    const g = gen();
    for (const mode of ["circular", "reflect", "replicate"] as const) {
      gradcheck(
        (x, w) => conv2d(x!, w!, null, { padding: 1, paddingMode: mode }),
        [d([1, 2, 4, 5], g), d([2, 2, 3, 3], g)],
      );
    }
  });
  it("conv1d and conv3d", () => {
    const g = gen();
    gradcheck(
      (x, w, b) => conv1d(x!, w!, b!, { stride: 2, padding: 1 }),
      [d([2, 2, 7], g), d([3, 2, 3], g), d([3], g)],
    );
    gradcheck(
      (x, w, b) => conv3d(x!, w!, b!, { padding: [1, 0, 1], stride: [1, 1, 2] }),
      [d([1, 2, 3, 3, 4], g), d([2, 2, 2, 2, 3], g), d([2], g)],
    );
  });
  it("convTranspose1d/2d/3d", () => {
    const g = gen();
    gradcheck(
      (x, w, b) => convTranspose2d(x!, w!, b!, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
      [d([2, 4, 3, 3], g), d([4, 1, 3, 3], g), d([2], g)],
    );
    gradcheck((x, w) => convTranspose2d(x!, w!, null, { dilation: 2 }), [d([1, 2, 3, 2], g), d([2, 2, 2, 2], g)]);
    gradcheck((x, w) => convTranspose1d(x!, w!, null, { stride: 3 }), [d([1, 2, 3], g), d([2, 3, 2], g)]);
    gradcheck(
      (x, w) => convTranspose3d(x!, w!, null, { stride: [1, 2, 1] }),
      [d([1, 2, 2, 2, 2], g), d([2, 1, 2, 2, 2], g)],
    );
  });
  it("weight-gradient and input-gradient maps are themselves differentiable", () => {
    // the gradient of a conv computed through autograd is a function of (x, w): check its gradient
    const g = gen();
    const wv = randn([2, 2, 3, 3], { generator: g, dtype: "float64" });
    gradcheck(
      (x) => {
        const y = conv2d(x!, wv.detach().requiresGrad_(), null, { padding: 1 });
        // convTranspose2d(y, w) is the input-gradient map applied to y
        return convTranspose2d(y, wv, null, { padding: 1 });
      },
      [d([1, 2, 4, 4], g)],
    );
  });
});

describe("translation equivariance (checker)", () => {
  it("circular padding is exactly equivariant to cyclic shifts", () => {
    const g = gen();
    const H = 6;
    const W = 7;
    const x = randn([2, 3, H, W], { generator: g });
    const w = randn([4, 3, 3, 3], { generator: g });
    const b = randn([4], { generator: g });
    const T = new TranslationGroup([H, W]);
    const act = gridAction(T);
    const r = assertEquivariant((v: Tensor) => conv2d(v, w, b, { padding: 1, paddingMode: "circular" }), {
      group: T,
      inputAction: act,
      outputAction: act,
      inputs: [x],
      samples: 10,
      atol: 1e-4,
      rtol: 1e-5,
    });
    expect(r.pass).toBe(true);
    // with zero padding, shifts are NOT exact symmetries at the border
    const shift = [2, 3];
    const lhs = conv2d(act(shift, x), w, b, { padding: 1 });
    const rhs = act(shift, conv2d(x, w, b, { padding: 1 }));
    let diff = 0;
    for (let i = 0; i < lhs.size; i++) diff = Math.max(diff, Math.abs(lhs.data[i]! - rhs.data[i]!));
    expect(diff).toBeGreaterThan(1e-2);
  });
});

describe("large convolutions (several im2col blocks per image)", () => {
  const dot = (a: Tensor, b: Tensor) => {
    let s = 0;
    for (let i = 0; i < a.size; i++) s += a.data[i]! * b.data[i]!;
    return s;
  };
  for (const c of [
    { name: "stride 1 (padded-width path)", x: [2, 64, 30, 10], w: [5, 64, 3, 3], opts: { padding: 1 } },
    {
      name: "stride 1, dilation 2, groups 2",
      x: [1, 64, 33, 9],
      w: [4, 32, 3, 2],
      opts: { padding: [2, 1], dilation: 2, groups: 2 },
    },
    { name: "stride 1, padding beyond the kernel reach", x: [1, 64, 20, 9], w: [3, 64, 2, 2], opts: { padding: 2 } },
    { name: "stride 2 (general path)", x: [2, 64, 40, 12], w: [3, 64, 3, 3], opts: { padding: 1, stride: 2 } },
  ]) {
    it(`${c.name}: forward matches the naive conv, backward is its adjoint`, () => {
      const g = new Generator(11);
      const x = randn(c.x, { generator: g, dtype: "float64" }).requiresGrad_();
      const w = randn(c.w, { generator: g, dtype: "float64" }).requiresGrad_();
      const o = c.opts as { padding: number | number[]; stride?: number; dilation?: number; groups?: number };
      const y = conv2d(x, w, null, o);
      const two = (v: number | number[] | undefined, d: number) =>
        v === undefined ? [d, d] : typeof v === "number" ? [v, v] : v;
      const ref = naiveConv(x, w, null, two(o.stride, 1), two(o.padding, 0), two(o.dilation, 1), o.groups ?? 1);
      expectClose(y, ref.data, ref.shape, 1e-9);
      const v = randn([...y.shape], { generator: g, dtype: "float64" });
      y.backward(v);
      // ⟨∂/∂x, x⟩ = ⟨v, y⟩ = ⟨∂/∂w, w⟩ for a bilinear map without bias
      const vy = dot(v, y);
      expect(Math.abs(dot(x.grad!, x) - vy)).toBeLessThan(1e-8 * (1 + Math.abs(vy)));
      expect(Math.abs(dot(w.grad!, w) - vy)).toBeLessThan(1e-8 * (1 + Math.abs(vy)));
      // and the gradient of x is exact: compare one random direction with the naive conv
      const u = randn(c.x, { generator: g, dtype: "float64" });
      const yu = naiveConv(u, w, null, two(o.stride, 1), two(o.padding, 0), two(o.dilation, 1), o.groups ?? 1);
      let vyu = 0;
      for (let i = 0; i < v.size; i++) vyu += v.data[i]! * yu.data[i]!;
      expect(Math.abs(dot(x.grad!, u) - vyu)).toBeLessThan(1e-8 * (1 + Math.abs(vyu)));
      const wu = randn(c.w, { generator: g, dtype: "float64" });
      const ywu = naiveConv(x, wu, null, two(o.stride, 1), two(o.padding, 0), two(o.dilation, 1), o.groups ?? 1);
      let vywu = 0;
      for (let i = 0; i < v.size; i++) vywu += v.data[i]! * ywu.data[i]!;
      expect(Math.abs(dot(w.grad!, wu) - vywu)).toBeLessThan(1e-8 * (1 + Math.abs(vywu)));
    });
  }
});

describe("Winograd F(2×2, 3×3) path (3×3, stride 1, ≥ 8 channels per group)", () => {
  it("matches the naive conv on odd sizes, asymmetric padding and groups (float32 and float64)", () => {
    const g = new Generator(21);
    for (const dtype of ["float32", "float64"] as const) {
      const x = randn([3, 16, 7, 9], { generator: g, dtype });
      const w = randn([12, 8, 3, 3], { generator: g, dtype });
      const b = randn([12], { generator: g, dtype });
      const y = conv2d(x, w, b, { padding: [1, 0], groups: 2 });
      const ref = naiveConv(x, w, b, [1, 1], [1, 0], [1, 1], 2);
      expectClose(y, ref.data, ref.shape, dtype === "float32" ? 1e-4 : 1e-10);
      const ys = conv2d(x, w, null, { padding: "same", groups: 2 });
      const refs = naiveConv(x, w, null, [1, 1], [1, 1], [1, 1], 2);
      expectClose(ys, refs.data, refs.shape, dtype === "float32" ? 1e-4 : 1e-10);
    }
  });
  it("gradcheck (forward and the flipped-kernel input gradient both take the Winograd path)", () => {
    const g = new Generator(22);
    const d = (shape: number[]) => randn(shape, { generator: g, dtype: "float64" }).requiresGrad_();
    gradcheck((x, w, b) => conv2d(x!, w!, b!, { padding: 1 }), [d([1, 8, 3, 4]), d([8, 8, 3, 3]), d([8])]);
  });
});

describe("Winograd F(4×4, 3×3) float32 path (WASM SIMD, reference twin under the ref backend)", () => {
  /** Max |a − b| over max |b|. */
  function relDiff(a: Tensor, b: Tensor): number {
    let num = 0;
    let den = 0;
    const ad = a.data;
    const bd = b.data;
    for (let i = 0; i < bd.length; i++) {
      num = Math.max(num, Math.abs(ad[i]! - bd[i]!));
      den = Math.max(den, Math.abs(bd[i]!));
    }
    return num / den;
  }
  for (const backend of ["auto", "ref"] as const) {
    it(`forward and all three gradients agree with float64 to 1e-4 (${backend} kernels)`, () => {
      const prev = getKernelBackend();
      setKernelBackend(backend);
      try {
        const g = new Generator(31);
        for (const [shape, groups, padding] of [
          [[2, 32, 28, 28], 1, 1],
          [[3, 18, 11, 13], 2, [2, 1]],
        ] as const) {
          const [N, C, H, W] = shape;
          const O = groups === 1 ? 32 : 10;
          const x64 = randn([N, C, H, W], { generator: g, dtype: "float64" });
          const w64 = randn([O, C / groups, 3, 3], { generator: g, dtype: "float64", std: 0.1 });
          const b64 = randn([O], { generator: g, dtype: "float64" });
          const run = (dt: "float32" | "float64") => {
            const cast = (t: Tensor) => (dt === "float32" ? t.float() : t.double());
            const x = cast(x64).requiresGrad_();
            const w = cast(w64).requiresGrad_();
            const b = cast(b64).requiresGrad_();
            const y = conv2d(x, w, b, { padding: padding as number | number[], groups });
            const gy = cast(y.detach().double().mul(0.5).sin());
            y.backward(gy);
            return [y, x.grad!, w.grad!, b.grad!];
          };
          const r32 = run("float32");
          const r64 = run("float64");
          for (let i = 0; i < 4; i++)
            expect(relDiff(r32[i]!.double(), r64[i]!), `${JSON.stringify(shape)} output ${i}`).toBeLessThan(1e-4);
        }
      } finally {
        setKernelBackend(prev);
      }
    });
  }
});
