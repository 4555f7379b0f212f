// Checks that two builds of the library give the same bits: the grid ops (convolutions on every path,
// transposed convolutions, pooling, interpolation), their gradients, and a few kernels, on seeded
// random inputs in float32 and float64, under each kernel backend. For refactors that must not change
// behaviour.
//
//   node scripts/ab-bits.mjs DIST_A DIST_B
//
// DIST_A / DIST_B are `dist` folders (`npx tsc -p tsconfig.build.json` in each checkout). Prints one
// line per case that differs and a total; exits 1 when any case differs.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dists = process.argv.slice(2);
if (dists.length !== 2) {
  console.error("usage: node scripts/ab-bits.mjs DIST_A DIST_B");
  process.exit(2);
}

/** Every case of one build: name → list of typed arrays (outputs and gradients). */
async function run(dist) {
  const M = await import(pathToFileURL(resolve(dist, "src/index.js")).href);
  const results = new Map();
  const grad = (name, dtype, inputs, f) => {
    const gen = new M.Generator(7);
    const ts = inputs.map((shape) => M.randn(shape, { generator: gen, dtype }).requiresGrad_());
    const y = f(...ts);
    const gy = M.randn(y.shape, { generator: gen, dtype });
    y.backward(gy);
    results.set(`${name} ${dtype}`, [y.data, ...ts.map((t) => t.grad?.data ?? new Float32Array(0))]);
  };
  for (const backend of ["auto", "ref", "wasm"]) {
    M.setKernelBackend(backend);
    for (const dtype of ["float32", "float64"]) {
      const b = (name) => `${name} [${backend}]`;
      grad(b("conv2d 3x3 winograd"), dtype, [[2, 8, 9, 7], [6, 8, 3, 3], [6]], (x, w, c) =>
        M.conv2d(x, w, c, { padding: 1 }),
      );
      grad(b("conv2d 3x3 groups"), dtype, [[2, 16, 8, 8], [8, 8, 3, 3], [8]], (x, w, c) =>
        M.conv2d(x, w, c, { padding: 1, groups: 2 }),
      );
      grad(b("conv2d 5x5 stride-1"), dtype, [[2, 3, 11, 9], [4, 3, 5, 5], [4]], (x, w, c) =>
        M.conv2d(x, w, c, { padding: 2 }),
      );
      // F(2×2, 5×5) Winograd (≥ 8 channels in and out, float32 WASM): forward, input gradient (the
      // flipped-kernel convolution) and weight gradient; 9 images span several blocks of tiles
      grad(b("conv2d 5x5 winograd"), dtype, [[9, 12, 13, 11], [10, 12, 5, 5], [10]], (x, w, c) =>
        M.conv2d(x, w, c, { padding: 2 }),
      );
      grad(b("conv2d 3x5 dilated"), dtype, [[1, 2, 12, 13], [3, 2, 3, 5], [3]], (x, w, c) =>
        M.conv2d(x, w, c, { padding: [2, 1], dilation: [2, 1] }),
      );
      grad(b("conv2d 1x1 direct"), dtype, [[2, 5, 6, 6], [7, 5, 1, 1], [7]], (x, w, c) => M.conv2d(x, w, c));
      grad(b("conv2d stride 2"), dtype, [[2, 3, 10, 9], [4, 3, 3, 3], [4]], (x, w, c) =>
        M.conv2d(x, w, c, { stride: 2, padding: 1 }),
      );
      // depthwise, strided (escnn's antialiased pooling): the tap-loop path, float32 in WASM
      grad(b("conv2d depthwise stride 2"), dtype, [[3, 6, 13, 11], [6, 1, 5, 5], [6]], (x, w, c) =>
        M.conv2d(x, w, c, { stride: 2, padding: 2, groups: 6 }),
      );
      grad(
        b("conv2d circular"),
        dtype,
        [
          [1, 3, 7, 7],
          [2, 3, 3, 3],
        ],
        (x, w) => M.conv2d(x, w, null, { padding: 1, paddingMode: "circular" }),
      );
      grad(b("conv1d"), dtype, [[2, 3, 17], [4, 3, 4], [4]], (x, w, c) => M.conv1d(x, w, c, { padding: 2, stride: 1 }));
      grad(
        b("conv1d stride 3"),
        dtype,
        [
          [2, 3, 17],
          [4, 3, 4],
        ],
        (x, w) => M.conv1d(x, w, null, { stride: 3 }),
      );
      grad(b("conv3d"), dtype, [[1, 2, 5, 6, 5], [3, 2, 3, 2, 3], [3]], (x, w, c) => M.conv3d(x, w, c, { padding: 1 }));
      grad(b("convTranspose2d stride 2"), dtype, [[2, 4, 5, 6], [4, 3, 3, 3], [3]], (x, w, c) =>
        M.convTranspose2d(x, w, c, { stride: 2, padding: 1, outputPadding: 1 }),
      );
      grad(
        b("convTranspose1d"),
        dtype,
        [
          [2, 4, 9],
          [4, 2, 5],
        ],
        (x, w) => M.convTranspose1d(x, w, null, { padding: 2 }),
      );
      grad(
        b("convTranspose3d"),
        dtype,
        [
          [1, 2, 3, 4, 3],
          [2, 2, 2, 3, 2],
        ],
        (x, w) => M.convTranspose3d(x, w, null, { stride: 2 }),
      );
      grad(b("maxPool2d"), dtype, [[2, 3, 9, 8]], (x) => M.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }));
      grad(b("maxPool1d dilated"), dtype, [[2, 3, 15]], (x) => M.maxPool1d(x, 3, { dilation: 2 }));
      grad(b("maxPool3d"), dtype, [[1, 2, 5, 6, 5]], (x) => M.maxPool3d(x, 2));
      grad(b("avgPool2d"), dtype, [[2, 3, 9, 8]], (x) =>
        M.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }),
      );
      grad(b("avgPool1d"), dtype, [[2, 3, 15]], (x) => M.avgPool1d(x, 4, { ceilMode: true }));
      grad(b("adaptiveAvgPool2d"), dtype, [[2, 3, 9, 7]], (x) => M.adaptiveAvgPool2d(x, [4, 3]));
      grad(b("adaptiveAvgPool3d"), dtype, [[1, 2, 5, 6, 5]], (x) => M.adaptiveAvgPool3d(x, 2));
      grad(b("interpolate bilinear"), dtype, [[2, 3, 5, 6]], (x) =>
        M.interpolate(x, { size: [9, 11], mode: "bilinear" }),
      );
      grad(b("interpolate bilinear align"), dtype, [[2, 3, 5, 6]], (x) =>
        M.interpolate(x, { scaleFactor: 1.7, mode: "bilinear", alignCorners: true }),
      );
      grad(b("interpolate nearest-exact 3d"), dtype, [[1, 2, 3, 4, 5]], (x) =>
        M.interpolate(x, { scaleFactor: 2, mode: "nearest-exact" }),
      );
      grad(b("interpolate trilinear"), dtype, [[1, 2, 3, 4, 5]], (x) =>
        M.interpolate(x, { size: 6, mode: "trilinear" }),
      );
      grad(b("linear + relu + softmax"), dtype, [[33, 40], [24, 40], [24]], (x, w, c) =>
        M.softmax(M.relu(M.add(M.matmul(x, M.transpose(w, 0, 1)), c)), -1),
      );
      grad(b("batch norm [N, C, L]"), dtype, [[4, 5, 36]], (x) => M.F.batchNorm(x, null, null, null, null, true));
      // SchNet's path: shifted softplus, softplus, continuous-filter message passing, a GEMM on a
      // Gaussian basis (subnormal entries far from the centres), and the model itself
      grad(b("shiftedSoftplus"), dtype, [[37, 64]], (x) => M.F.shiftedSoftplus(M.mul(x, 4)));
      grad(b("softplus beta 1.5"), dtype, [[37, 64]], (x) => M.softplus(M.mul(x, 4), 1.5));
      const src = M.tensor(
        Array.from({ length: 50 }, (_, e) => (e * 7) % 9),
        { dtype: "int32" },
      );
      const dst = M.tensor(
        Array.from({ length: 50 }, (_, e) => (e * 5 + 2) % 9),
        { dtype: "int32" },
      );
      grad(
        b("gatherMulScatter"),
        dtype,
        [
          [9, 24],
          [50, 24],
        ],
        (x, w) => M.gatherMulScatter(x, w, src, dst, 9),
      );
      const centers = Array.from({ length: 25 }, (_, k) => (5 * k) / 24);
      grad(b("gaussian basis + linear"), dtype, [[300], [64, 25], [64]], (d, w, c) =>
        M.F.linear(M.F.gaussianSmearing(M.mul(M.abs(d), 1.7), centers, -11.52), w, c),
      );
      const z = M.tensor([6, 1, 1, 1, 1, 8, 1, 6, 7, 1, 1, 1], { dtype: "int32" });
      const batch = M.tensor([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1], { dtype: "int32" });
      M.manualSeed(0);
      const schnet = new M.SchNet({
        hiddenChannels: 64,
        numFilters: 64,
        numInteractions: 2,
        numGaussians: 25,
        cutoff: 5,
        dtype,
      });
      grad(b("SchNet energy"), dtype, [[12, 3]], (pos) => schnet.forward(z, M.mul(pos, 1.3), batch));
      // spherical harmonics (the packed-monomial kernels), 103 points so the last block is short
      grad(b("sphericalHarmonics 0..3 integral"), dtype, [[103, 3]], (v) => M.o3.sphericalHarmonics([0, 1, 2, 3], v));
      grad(b("sphericalHarmonics 1,3 component raw"), dtype, [[103, 3]], (v) =>
        M.o3.sphericalHarmonics([1, 3], v, { normalize: false, normalization: "component" }),
      );
    }
  }
  M.setKernelBackend("auto");
  return results;
}

const A = await run(dists[0]);
const B = await run(dists[1]);
let differ = 0;
for (const [name, a] of A) {
  const b = B.get(name);
  const same =
    b !== undefined &&
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      if (x.length !== y.length || x.constructor !== y.constructor) return false;
      const u = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      const v = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
      return u.every((c, j) => c === v[j]);
    });
  if (!same) {
    differ++;
    // the largest difference relative to the largest magnitude, per array
    const rel = (b ?? []).map((y, i) => {
      const x = a[i];
      let d = 0;
      let m = 0;
      for (let j = 0; j < Math.min(x.length, y.length); j++) {
        d = Math.max(d, Math.abs(x[j] - y[j]));
        m = Math.max(m, Math.abs(x[j]));
      }
      return (m > 0 ? d / m : d).toExponential(1);
    });
    console.log(`differs: ${name} (max |diff| / max |a| per array: ${rel.join(", ")})`);
  }
}
console.log(`${A.size} cases (outputs and gradients), ${differ} differ`);
process.exit(differ === 0 ? 0 : 1);
