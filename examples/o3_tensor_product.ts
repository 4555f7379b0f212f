/**
 * Groups: O(3) in the conventions of e3nn. Features are tagged with irreducible representations
 * ("irreps"): `0e` scalars, `1o` vectors, `2e` rank-2 traceless symmetric tensors, … A rotation or
 * reflection Q acts on them block by block through the Wigner matrices D^l(Q) (times the parity for
 * reflections). Spherical harmonics turn a direction into such features, and a tensor product
 * combines two irreps features into a third, with learnable weights on every allowed path
 * (|l1 − l2| ≤ l ≤ l1 + l2, parities multiplying). The checker confirms f(Q·x) = Q·f(x) for random
 * rotations and reflections, before and after training.
 *
 * Run: `npm run build && node dist/examples/o3_tensor_product.js` (add `--small` for a quick run).
 */
import { Adam, checkEquivariance, Generator, O3, o3, randn, type Tensor, vectorAction } from "../src/index.js";
import { type ExampleOptions, logger, runIfMain } from "./common.js";

/** What {@link main} returns. */
export interface O3Summary {
  irreps: { in1: string; in2: string; out: string; dims: [number, number, number] };
  /** Weights of the tensor product (one block per path). */
  weights: number;
  paths: number;
  /** Y(Q·r) = D(Q)·Y(r) for the spherical harmonics, max relative error over sampled Q. */
  sphericalHarmonicsError: number;
  /** The tensor product's error before and after training (float64). */
  tensorProductError: number;
  tensorProductErrorAfterTraining: number;
  /** Teacher-student fit: MSE at the first and the last step. */
  firstLoss: number;
  lastLoss: number;
  steps: number;
  pass: boolean;
}

/** Builds irreps features, checks spherical harmonics and a FullyConnectedTensorProduct, fits one to another. */
export function main(opts: ExampleOptions = {}): O3Summary {
  const log = logger(opts);
  const gen = new Generator(0);
  const group = new O3(); // rotations and reflections, sampled
  const samples = opts.small ? 4 : 16;

  // irreps: 4 scalars and 2 vectors per node; spherical harmonics up to l = 2 of the edge direction
  const in1 = new o3.Irreps("4x0e + 2x1o");
  const in2 = o3.Irreps.sphericalHarmonics(2); // 1x0e + 1x1o + 1x2e
  const out = new o3.Irreps("4x0e + 2x1o + 2x1e + 1x2e");
  log(`irreps: ${in1} (dim ${in1.dim}) ⊗ ${in2} (dim ${in2.dim}) -> ${out} (dim ${out.dim})`);

  // spherical harmonics are equivariant: rotate the vector, or rotate the harmonics by D(Q)
  const vectors = randn([32, 3], { dtype: "float64", generator: gen });
  const sh = (r: Tensor) => o3.sphericalHarmonics([0, 1, 2], r, { normalize: true, normalization: "component" });
  const shReport = checkEquivariance(sh, {
    group,
    inputAction: vectorAction(group),
    outputAction: o3.o3Action(in2),
    inputs: [vectors],
    samples,
    atol: 0,
    rtol: 1e-10,
  });
  log(`spherical harmonics: max rel error ${shReport.maxRelError.toExponential(2)}`);

  // a fully connected tensor product: every allowed (in1, in2) -> out path gets its own weights
  const tp = new o3.FullyConnectedTensorProduct(in1, in2, out, { generator: gen }).double();
  log(`FullyConnectedTensorProduct: ${tp.instructions.length} paths, ${tp.weightNumel} weights`);
  const x1 = randn([32, in1.dim], { dtype: "float64", generator: gen });
  const pair = { x1, x2: sh(vectors) };
  type Pair = typeof pair;
  const onIn1 = o3.o3Action(in1);
  const onIn2 = o3.o3Action(in2);
  const tpCheck = {
    group,
    inputAction: (g: Float64Array, p: Pair) => ({ x1: onIn1(g, p.x1), x2: onIn2(g, p.x2) }),
    outputAction: o3.o3Action(out),
    inputs: [pair],
    samples,
    atol: 0,
    rtol: 1e-10,
  };
  const before = checkEquivariance((p: Pair) => tp.forward(p.x1, p.x2), tpCheck);
  log(`tensor product: max rel error ${before.maxRelError.toExponential(2)}`);

  // fit: a second tensor product learns to reproduce the first one's outputs on random inputs
  const student = new o3.FullyConnectedTensorProduct(in1, in2, out, { generator: new Generator(1) }).double();
  const optimizer = new Adam(student.parameters(), { lr: 0.05 });
  const steps = opts.small ? 40 : 300;
  const data = new Generator(2);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const a = randn([64, in1.dim], { dtype: "float64", generator: data });
    const b = sh(randn([64, 3], { dtype: "float64", generator: data }));
    const target = tp.forward(a, b).detach();
    const loss = student.forward(a, b).sub(target).square().mean();
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  log(
    `teacher-student fit: MSE ${losses[0]!.toExponential(3)} -> ${losses.at(-1)!.toExponential(3)} in ${steps} steps`,
  );
  const after = checkEquivariance((p: Pair) => student.forward(p.x1, p.x2), tpCheck);
  log(`trained tensor product: max rel error ${after.maxRelError.toExponential(2)}`);

  return {
    irreps: { in1: in1.toString(), in2: in2.toString(), out: out.toString(), dims: [in1.dim, in2.dim, out.dim] },
    weights: tp.weightNumel,
    paths: tp.instructions.length,
    sphericalHarmonicsError: shReport.maxRelError,
    tensorProductError: before.maxRelError,
    tensorProductErrorAfterTraining: after.maxRelError,
    firstLoss: losses[0]!,
    lastLoss: losses.at(-1)!,
    steps,
    pass: shReport.pass && before.pass && after.pass,
  };
}

runIfMain(import.meta.url, main);
