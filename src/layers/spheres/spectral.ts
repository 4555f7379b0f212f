/**
 * The channel-mixing products of the spherical convolutions in the harmonic domain, written with
 * tensor ops (autograd through matmul, permute, narrow, concat), batched over signals:
 *
 *   S² → SO(3) (s2cnn):   G^l_{mn}[b, o] = Σ_c f^l_m[b, c] · ψ^l_n[c, o]          (an outer product per degree)
 *   SO(3) → SO(3):        G^l[b, o]      = Σ_c F^l[b, c] · Ψ^l[c, o]ᵀ           ((2l+1)² blocks)
 *   S² → S² (zonal):      g^l_m[b, o]    = Σ_c f^l_m[b, c] · k_l[c, o]           (one weight per degree)
 *
 * Layouts: S² coefficients [..., L²] at l² + l + m (the SHT's); SO(3) coefficients [..., L(4L²−1)/3]
 * with block l at l(4l²−1)/3, entry (m, n) at (m+l)(2l+1) + (n+l) (so3Fft's).
 */
import { so3CoeffCount } from "../../domains/sphere/so3.js";
import { ErlangenError, fmtShape } from "../../tensor/errors.js";
import "../../tensor/index.js";
import { matmul } from "../../tensor/ops/linalg.js";
import { concat, narrow, permute } from "../../tensor/ops/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

function expectShape(op: string, arg: string, t: Tensor, shape: readonly (number | null)[], what: string): void {
  const ok = t.ndim === shape.length && shape.every((s, i) => s === null || t.shape[i] === s);
  if (!ok)
    throw new ErlangenError(
      `${op}: argument '${arg}' expected shape [${shape.map((s) => s ?? "*").join(", ")}] (${what}), got ${fmtShape(t.shape)}`,
    );
}

/**
 * S² → SO(3) correlation in the spectrum: signals' coefficients `x` [B, Cin, L²] and filters' `psi`
 * [Cin, Cout, L²] to SO(3) coefficients [B, Cout, L(4L²−1)/3], block l = Σ_c x^l[b, c] ⊗ psi^l[c, o].
 * With F^l_{mn} = f^l_m ψ^l_n, the SO(3) signal is F(R) = ∫ f(x) ψ(R⁻¹x) dx = ⟨f, R·ψ⟩.
 */
export function s2ToSO3Product(x: Tensor, psi: Tensor, L: number): Tensor {
  const Cin = psi.shape[0] ?? 0;
  expectShape("s2ToSO3Product", "x", x, [null, Cin, L * L], "batch, channels, L² coefficients");
  expectShape("s2ToSO3Product", "psi", psi, [Cin, null, L * L], "in channels, out channels, L² coefficients");
  const B = x.shape[0]!;
  const Cout = psi.shape[1]!;
  const blocks: Tensor[] = [];
  for (let l = 0; l < L; l++) {
    const d = 2 * l + 1;
    const xl = permute(narrow(x, 2, l * l, d), [0, 2, 1]).reshape([B * d, Cin]);
    const pl = narrow(psi, 2, l * l, d).reshape([Cin, Cout * d]);
    const yl = matmul(xl, pl).reshape([B, d, Cout, d]);
    blocks.push(permute(yl, [0, 2, 1, 3]).reshape([B, Cout, d * d]));
  }
  return concat(blocks, 2);
}

/**
 * SO(3) → SO(3) correlation in the spectrum: coefficients `x` [B, Cin, L(4L²−1)/3] and filters' `Psi`
 * [Cin, Cout, L(4L²−1)/3] to [B, Cout, L(4L²−1)/3], block l = Σ_c x^l[b, c] · Psi^l[c, o]ᵀ. With
 * Ψ^l = Σ_p w_p D^l(R_p) this is the spectrum of R ↦ Σ_p w_p F(R R_p) = ∫ F(S) Ψ(R⁻¹S) dS.
 */
export function so3Product(x: Tensor, Psi: Tensor, L: number): Tensor {
  const nc = so3CoeffCount(L);
  const Cin = Psi.shape[0] ?? 0;
  expectShape("so3Product", "x", x, [null, Cin, nc], "batch, channels, L(4L²−1)/3 coefficients");
  expectShape("so3Product", "Psi", Psi, [Cin, null, nc], "in channels, out channels, L(4L²−1)/3 coefficients");
  const B = x.shape[0]!;
  const Cout = Psi.shape[1]!;
  const blocks: Tensor[] = [];
  let off = 0;
  for (let l = 0; l < L; l++) {
    const d = 2 * l + 1;
    // x^l[b, c, m, k] → [b·m, c·k];  Psi^l[c, o, n, k] → [c·k, o·n]
    const xl = permute(narrow(x, 2, off, d * d).reshape([B, Cin, d, d]), [0, 2, 1, 3]).reshape([B * d, Cin * d]);
    const pl = permute(narrow(Psi, 2, off, d * d).reshape([Cin, Cout, d, d]), [0, 3, 1, 2]).reshape([
      Cin * d,
      Cout * d,
    ]);
    const yl = matmul(xl, pl).reshape([B, d, Cout, d]);
    blocks.push(permute(yl, [0, 2, 1, 3]).reshape([B, Cout, d * d]));
    off += d * d;
  }
  return concat(blocks, 2);
}

/**
 * Zonal (S² → S²) convolution in the spectrum: coefficients `x` [B, Cin, L²] and per-degree weights
 * `k` [Cin, Cout, L] to [B, Cout, L²], g^l_m[b, o] = Σ_c x^l_m[b, c] k_l[c, o] (one batched product
 * over the L² coefficients).
 */
export function zonalProduct(x: Tensor, k: Tensor, L: number): Tensor {
  const Cin = k.shape[0] ?? 0;
  expectShape("zonalProduct", "x", x, [null, Cin, L * L], "batch, channels, L² coefficients");
  expectShape("zonalProduct", "k", k, [Cin, null, L], "in channels, out channels, L degrees");
  const B = x.shape[0]!;
  const Cout = k.shape[1]!;
  const blocks: Tensor[] = [];
  for (let l = 0; l < L; l++) {
    const d = 2 * l + 1;
    const xl = permute(narrow(x, 2, l * l, d), [0, 2, 1]).reshape([B * d, Cin]);
    const kl = narrow(k, 2, l, 1).reshape([Cin, Cout]);
    blocks.push(permute(matmul(xl, kl).reshape([B, d, Cout]), [0, 2, 1]));
  }
  return concat(blocks, 2);
}
