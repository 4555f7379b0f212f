/**
 * `erlangen/groups`: group-equivariant networks: G-CNNs (p4, p4m, Cn, Dn), E(2)-steerable
 * convolutions and nonlinearities, radial bases, and the atomistic models (EGNN, SchNet, NequIP-like).
 * O(3) tensor products are in `erlangen/o3`, groups and representations in `erlangen/symmetry`.
 */
import "../tensor/index.js";

export * from "../layers/groups/gcnn/index.js";
export * from "../layers/groups/models/index.js";
export * from "../layers/groups/radial.js";
export * from "../layers/groups/steerable/index.js";
