/**
 * The contact of two balls (a centre and a radius each): the geometry shared by
 * sphere–sphere, and by sphere–capsule and capsule–capsule once the closest points of
 * their axes are known (a capsule is the set of points within r of its axis segment).
 */
import type { Contacts } from './contacts.ts';
import { createContactRecord, emitContact, RECORD_DIST } from './contacts.ts';
import type { Vec3 } from '../math/vec3.ts';

/**
 * centres closer than this (m) count as coincident. The closest points of capsule axes
 * carry rounding errors u ≈ 1e-15 m, which tilt a normal taken from centres δ apart by
 * u/δ rad (moving the surface points by r·u/δ), while the fallback normal is off by at
 * most δ in dist and points; the two errors balance near δ = √(r·u) ≈ 1e-8 m
 */
export const COINCIDENT_CENTRES = 1e-8;

const _record = createContactRecord();
const _surface = _record.subarray(0, 3);
const _normal = _record.subarray(3, 6);

/**
 * Append the contact of ball A (centre `centreA`, radius `rA` = `geomSize[4a]`, which is
 * where spheres and capsules keep their radius) and ball B, if their surfaces are within
 * `margin`: normal along the line of centres from A to B,
 * dist = |cB − cA| − rA − rB. Coincident centres (closer than 1e-8 m) have no line of
 * centres; `fallback` (unit) is used as the normal then. Returns the number of contacts written (0 or 1).
 */
export function emitBallContact(
  out: Contacts,
  a: number,
  b: number,
  geomSize: Float64Array,
  centreA: Vec3,
  centreB: Vec3,
  margin: number,
  fallback: Vec3,
): number {
  const rA = geomSize[4 * a],
    rB = geomSize[4 * b];
  const dx = centreB[0] - centreA[0],
    dy = centreB[1] - centreA[1],
    dz = centreB[2] - centreA[2];
  const centreDist = Math.sqrt(dx * dx + dy * dy + dz * dz);
  const dist = centreDist - rA - rB;
  if (dist > margin) return 0;
  if (centreDist > COINCIDENT_CENTRES) {
    _normal[0] = dx / centreDist;
    _normal[1] = dy / centreDist;
    _normal[2] = dz / centreDist;
  } else {
    _normal[0] = fallback[0];
    _normal[1] = fallback[1];
    _normal[2] = fallback[2];
  }
  _surface[0] = centreA[0] + rA * _normal[0];
  _surface[1] = centreA[1] + rA * _normal[1];
  _surface[2] = centreA[2] + rA * _normal[2];
  _record[RECORD_DIST] = dist;
  return emitContact(out, a, b, _record, 0);
}

/**
 * A unit vector perpendicular to `v` (v ≠ 0), written to `out`: v crossed with the
 * world axis along which v is smallest, normalized. Deterministic, for fallback normals.
 */
export function anyPerpendicular(out: Vec3, v: Vec3): Vec3 {
  const x = v[0],
    y = v[1],
    z = v[2];
  const ax = Math.abs(x),
    ay = Math.abs(y),
    az = Math.abs(z);
  let px: number, py: number, pz: number;
  if (ax <= ay && ax <= az) {
    // v × e_x
    px = 0;
    py = z;
    pz = -y;
  } else if (ay <= az) {
    // v × e_y
    px = -z;
    py = 0;
    pz = x;
  } else {
    // v × e_z
    px = y;
    py = -x;
    pz = 0;
  }
  const len = Math.sqrt(px * px + py * py + pz * pz);
  out[0] = px / len;
  out[1] = py / len;
  out[2] = pz / len;
  return out;
}
