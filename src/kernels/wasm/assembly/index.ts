// AssemblyScript SIMD kernels. Pointers are byte offsets into the imported memory; sizes are
// element counts. Every kernel here has a reference twin in src/kernels/ref.

export function addF32(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}
