/**
 * Float64 numerics on typed arrays (no tensors, no autograd): sparse CSR matrices, a sparse Cholesky
 * (LDLᵀ with a fill-reducing ordering), conjugate gradients, the dense symmetric eigensolvers, and a
 * shift-invert Krylov–Schur eigensolver for generalised sparse problems (`eigsh`). Browser-safe.
 */

export * from "./cg.js";
export * from "./cholesky.js";
export * from "./csr.js";
export * from "./dense_eigen.js";
export * from "./eigsh.js";
export * from "./ordering.js";
