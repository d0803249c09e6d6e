/**
 * Constants shared by the separating-axis tests (box–box, box–capsule).
 */

/**
 * An edge–edge axis (a cross product of two edge directions) must beat the best face
 * axis by more than this (m) to be chosen. A face contact gives a stable multi-point
 * manifold, and with faces nearly parallel the edge axes tie with the face axis up to
 * rounding, so without the preference a resting stack would flicker between one edge
 * contact and a face manifold. 1e-6 m is far below any penetration a contact model
 * resolves and far above rounding for metre-scale scenes.
 */
export const EDGE_AXIS_TOLERANCE = 1e-6;

/**
 * Edge pairs whose directions are closer to parallel than this sine give no edge axis:
 * their cross product is too short to normalize reliably, and the face axes already
 * cover parallel edges.
 */
export const EDGE_AXIS_MIN_SINE = 1e-6;
