/**
 * Rotations of space in e3nn's conventions: matrices act on column vectors (x' = R x), Euler angles
 * are Y-X-Y, R(α, β, γ) = Ry(α)·Rx(β)·Ry(γ) (γ acts first). Conversions between matrices,
 * quaternions (w, x, y, z), axis-angle and angles, and uniform random rotations from the seeded
 * generator.
 */
import { ErlangenError } from "../../tensor/errors.js";
import type { Generator } from "../../tensor/rng.js";
import { randomRotationMatrix } from "../groups.js";
import { matmulSq, transpose } from "../linalg64.js";

/** Rotation about x by `a` radians. */
export function rotX(a: number): Float64Array {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return new Float64Array([1, 0, 0, 0, c, -s, 0, s, c]);
}

/** Rotation about y by `a` radians. */
export function rotY(a: number): Float64Array {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return new Float64Array([c, 0, s, 0, 1, 0, -s, 0, c]);
}

/** Rotation about z by `a` radians. */
export function rotZ(a: number): Float64Array {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return new Float64Array([c, -s, 0, s, c, 0, 0, 0, 1]);
}

/** R(α, β, γ) = Ry(α) Rx(β) Ry(γ) (e3nn's `angles_to_matrix`). */
export function anglesToMatrix(alpha: number, beta: number, gamma: number): Float64Array {
  return matmulSq(matmulSq(rotY(alpha), rotX(beta), 3), rotY(gamma), 3);
}

/** Angles (α, β) of the rotation taking the y axis to the direction of `v` (e3nn's `xyz_to_angles`). */
export function xyzToAngles(v: ArrayLike<number>): [number, number] {
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  if (!(n > 0))
    throw new ErlangenError(
      `xyzToAngles: argument 'v' expected a non-zero vector, got [${Array.from({ length: 3 }, (_, i) => v[i])}]`,
    );
  const y = Math.min(1, Math.max(-1, v[1]! / n));
  return [Math.atan2(v[0]!, v[2]!), Math.acos(y)];
}

/** Y-X-Y angles (α, β, γ) of a rotation matrix (inverse of {@link anglesToMatrix}). */
export function matrixToAngles(R: ArrayLike<number>): [number, number, number] {
  checkRotation("matrixToAngles", R);
  const [alpha, beta] = xyzToAngles([R[1]!, R[4]!, R[7]!]);
  const Rab = anglesToMatrix(alpha, beta, 0);
  const rest = matmulSq(transpose(Rab, 3, 3), Float64Array.from(R as ArrayLike<number>), 3);
  return [alpha, beta, Math.atan2(rest[2]!, rest[0]!)];
}

/** Rotation matrix of a unit quaternion (w, x, y, z); the quaternion is normalised first. */
export function quaternionToMatrix(q: ArrayLike<number>): Float64Array {
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  if (!(n > 0)) throw new ErlangenError("quaternionToMatrix: argument 'q' expected a non-zero quaternion, got zero");
  const w = q[0]! / n;
  const x = q[1]! / n;
  const y = q[2]! / n;
  const z = q[3]! / n;
  return new Float64Array([
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ]);
}

/** Unit quaternion (w ≥ 0) of a rotation matrix. */
export function matrixToQuaternion(R: ArrayLike<number>): [number, number, number, number] {
  checkRotation("matrixToQuaternion", R);
  const m = (i: number, j: number) => R[i * 3 + j]!;
  const tr = m(0, 0) + m(1, 1) + m(2, 2);
  let w: number;
  let x: number;
  let y: number;
  let z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s;
    x = (m(2, 1) - m(1, 2)) / s;
    y = (m(0, 2) - m(2, 0)) / s;
    z = (m(1, 0) - m(0, 1)) / s;
  } else if (m(0, 0) > m(1, 1) && m(0, 0) > m(2, 2)) {
    const s = Math.sqrt(1 + m(0, 0) - m(1, 1) - m(2, 2)) * 2;
    w = (m(2, 1) - m(1, 2)) / s;
    x = 0.25 * s;
    y = (m(0, 1) + m(1, 0)) / s;
    z = (m(0, 2) + m(2, 0)) / s;
  } else if (m(1, 1) > m(2, 2)) {
    const s = Math.sqrt(1 + m(1, 1) - m(0, 0) - m(2, 2)) * 2;
    w = (m(0, 2) - m(2, 0)) / s;
    x = (m(0, 1) + m(1, 0)) / s;
    y = 0.25 * s;
    z = (m(1, 2) + m(2, 1)) / s;
  } else {
    const s = Math.sqrt(1 + m(2, 2) - m(0, 0) - m(1, 1)) * 2;
    w = (m(1, 0) - m(0, 1)) / s;
    x = (m(0, 2) + m(2, 0)) / s;
    y = (m(1, 2) + m(2, 1)) / s;
    z = 0.25 * s;
  }
  return w < 0 ? [-w, -x, -y, -z] : [w, x, y, z];
}

/** Rotation by `angle` radians about `axis` (normalised first; right-hand rule). */
export function axisAngleToMatrix(axis: ArrayLike<number>, angle: number): Float64Array {
  const n = Math.hypot(axis[0]!, axis[1]!, axis[2]!);
  if (!(n > 0)) throw new ErlangenError("axisAngleToMatrix: argument 'axis' expected a non-zero vector, got zero");
  const h = angle / 2;
  const s = Math.sin(h) / n;
  return quaternionToMatrix([Math.cos(h), axis[0]! * s, axis[1]! * s, axis[2]! * s]);
}

/** Unit axis and angle in [0, π] of a rotation matrix. */
export function matrixToAxisAngle(R: ArrayLike<number>): { axis: [number, number, number]; angle: number } {
  const [w, x, y, z] = matrixToQuaternion(R);
  const s = Math.hypot(x, y, z);
  const angle = 2 * Math.atan2(s, w);
  return s < 1e-15 ? { axis: [0, 0, 1], angle: 0 } : { axis: [x / s, y / s, z / s], angle };
}

/** A uniform (Haar) random rotation matrix. */
export function randRotation(generator?: Generator): Float64Array {
  return randomRotationMatrix(3, generator);
}

function checkRotation(op: string, R: ArrayLike<number>): void {
  if (R.length !== 9) throw new ErlangenError(`${op}: argument 'R' expected a 3×3 matrix (9 numbers), got ${R.length}`);
}
