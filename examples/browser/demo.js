/**
 * The browser demo's work, written against the library namespace it is given (so that the same code
 * runs in a page, importing dist/src/index.js, and in Node tests, importing src/index.ts):
 * trains a two-layer GCN on Zachary's karate club (4 communities, one labelled member each), runs
 * the equivariance checker on a GCN layer under node relabellings (S₃₄), and reports which kernel
 * backend ran.
 *
 * @param {typeof import("../../src/index.js")} E - the library (`import * as E from ".../index.js"`).
 * @param {{ epochs?: number }} [opts]
 * @returns {Promise<import("./demo.js").DemoResult>} a JSON-serialisable summary (see demo.d.ts).
 */
export async function runDemo(E, opts = {}) {
  const t0 = performance.now();
  const ready = await E.kernelsReady(); // compiles the WASM SIMD kernels (async in a browser main thread)
  const epochs = opts.epochs ?? 100;
  E.manualSeed(0);

  // 1. train a GCN: 34 members, identity features, 78 friendships, one labelled member per community
  const club = E.karateClub();
  const x = club.x;
  const y = club.y;
  const model = new E.GCN(club.numNodeFeatures, 16, 2, 4);
  const optimizer = new E.Adam(model.parameters(), { lr: 0.01 });
  const losses = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    optimizer.zeroGrad();
    const loss = E.F.crossEntropy(model.forward(x, club.edgeIndex), y, { mask: club.trainMask });
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  model.eval();
  const logits = E.noGrad(() => model.forward(x, club.edgeIndex));
  const accuracy = E.accuracy(logits, y);

  // 2. the checker: relabelling the members permutes the rows of a GCN layer's output the same way
  const conv = new E.GCNConv(8, 8).double();
  const features = E.randn([club.numNodes, 8], { dtype: "float64" });
  const report = E.checkEquivariance((g) => conv.forward(g.x, g.edgeIndex), {
    group: E.Sn(club.numNodes),
    inputAction: E.graphPermutationAction(),
    outputAction: E.nodePermutationAction(),
    inputs: [{ x: features, edgeIndex: club.edgeIndex }],
    samples: 8,
    atol: 1e-9,
    rtol: 1e-9,
  });

  // 3. which kernels ran: a float32 product large enough for the WASM path under the default setting
  const a = E.randn([64, 64]);
  const product = E.matmul(a, a);
  const lastKernel = E.lastKernelBackend();
  const check = E.matmul(a.double(), a.double());
  let maxDiff = 0;
  for (let i = 0; i < product.size; i++) maxDiff = Math.max(maxDiff, Math.abs(product.data[i] - check.data[i]));

  return {
    kernelsReady: ready,
    backend: E.activeKernelBackend(),
    lastKernel,
    wasmMatmulMaxAbsDiff: maxDiff,
    training: {
      model: "GCN(34 -> 16 -> 4)",
      epochs,
      firstLoss: losses[0],
      lastLoss: losses[losses.length - 1],
      accuracy,
    },
    checker: {
      layer: "GCNConv(8, 8)",
      group: report.group,
      samples: report.samples.length,
      maxRelError: report.maxRelError,
      pass: report.pass,
    },
    ms: Math.round(performance.now() - t0),
  };
}
