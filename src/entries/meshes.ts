/**
 * `erlangen/meshes`: the mesh domain (half-edge Mesh, readers and writers, validation, conversions,
 * tangent frames, transport, gauges) and the mesh layers (gauge-equivariant GEM-CNN and the geodesic
 * convolutions as they land in `layers/meshes`).
 */
import "../tensor/index.js";

export * from "../domains/mesh/index.js";
export * from "../layers/meshes/index.js";
