/**
 * Units of the paths the viewer plots (sim/paths.ts names them; the scene file's units are
 * SI: m, s, kg, N) and tick labels that fit an axis: one power of ten per axis, carried by
 * the axis title as an SI prefix (mm, µs) or a factor (×10⁻⁶), decimals from the tick
 * spacing, and powers of ten on a log axis.
 */
import { SHAPE_ROWS } from '../sim/shapes.ts';
import type { ShapeRow } from '../sim/shapes/row.ts';

/** Unit of each body field a path can name (1: dimensionless); the shapes' size fields from their rows. */
const FIELD_UNITS: Readonly<Record<string, string>> = {
  ...Object.fromEntries((SHAPE_ROWS as readonly ShapeRow[]).flatMap((r) => r.sizeFields.map((f) => [f.field, f.unit]))),
  position: 'm',
  orientation: '1',
  linearVelocity: 'm/s',
  angularVelocity: 'rad/s',
  mass: 'kg',
  friction: '1',
  restitution: '1',
};

/** Unit of each `contact.<key>` parameter (docs/scene-format.md "Fields"). */
const CONTACT_UNITS: Readonly<Record<string, string>> = {
  stiffness: 'N/m',
  damping: 'N·s/m²',
  temperature: 'm',
  frictionVelocity: 'm/s',
  friction: '1',
  restitution: '1',
  margin: 'm',
};

/**
 * The unit of a parameter or quantity path ('1' when dimensionless, '' when unknown).
 *
 * @example
 * pathUnit('ball.linearVelocity.z'); // 'm/s'
 * pathUnit('contact.stiffness');     // 'N/m'
 */
export function pathUnit(path: string): string {
  const parts = path.split('.');
  if (parts[0] === 'contact') return CONTACT_UNITS[parts[1]] ?? '';
  return FIELD_UNITS[parts[1]] ?? '';
}

/** Quotients of the units above that have a shorter name. */
const QUOTIENTS: Readonly<Record<string, string>> = {
  'm / m/s': 's',
  'm/s / m': '1/s',
  'm/s / s': 'm/s²',
  'rad/s / m/s': 'rad/m',
  'm/s / rad/s': 'm/rad',
  'rad/s / rad/s': '1',
};

/**
 * The unit of d a / d b for quantities in units `a` and `b`.
 *
 * @example
 * quotientUnit('m', 'm/s'); // 's'
 * quotientUnit('m', 'N/m'); // 'm/(N/m)'
 */
export function quotientUnit(a: string, b: string): string {
  if (a === b) return '1';
  if (b === '1') return a;
  const known = QUOTIENTS[`${a} / ${b}`];
  if (known !== undefined) return known;
  const wrap = (u: string) => (/[/·]/.test(u) ? `(${u})` : u);
  return `${a === '1' ? '1' : wrap(a)}/${wrap(b)}`;
}

/** An axis title: the name and its unit in brackets (none when dimensionless or unknown). */
export function axisTitle(name: string, unit: string): string {
  return unit === '' || unit === '1' ? name : `${name} [${unit}]`;
}

/** SI prefixes by power of a thousand, from 10⁻¹⁸ to 10¹⁸. */
const PREFIXES = ['a', 'f', 'p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'];
const PREFIX_ZERO = 6;
const SUPERSCRIPT: Readonly<Record<string, string>> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/**
 * The power of ten (a multiple of 3) an axis whose largest |value| is `largest` is
 * written in: 0 between 0.01 and 10 000 (those read fine as they are).
 *
 * @example
 * axisPower(0.0004); // −6: ticks in µ
 */
export function axisPower(largest: number): number {
  if (!(largest > 0) || !Number.isFinite(largest) || (largest >= 0.01 && largest < 1e4)) return 0;
  const k = Math.max(-PREFIX_ZERO, Math.min(PREFIXES.length - 1 - PREFIX_ZERO, Math.floor(Math.log10(largest) / 3)));
  return 3 * k;
}

/** Units that take an SI prefix on their first symbol (m → mm, m/s → mm/s, N/m → kN/m). */
const PREFIXABLE = /^(m|s|N)(\/[a-zA-Z]+)?$/;

/**
 * `unit` scaled by 10^`power`: an SI prefix when the unit takes one (µs, mm/s), else a
 * factor in front (×10⁻⁶ m/(N/m), ×10³ for a dimensionless number).
 *
 * @example
 * scaledUnit('s', -6);       // 'µs'
 * scaledUnit('m/(N/m)', -6); // '×10⁻⁶ m/(N/m)'
 */
export function scaledUnit(unit: string, power: number): string {
  if (power === 0) return unit;
  if (PREFIXABLE.test(unit)) return `${PREFIXES[power / 3 + PREFIX_ZERO]}${unit}`;
  const factor = `×10${String(power)
    .split('')
    .map((c) => SUPERSCRIPT[c])
    .join('')}`;
  return unit === '' || unit === '1' ? factor : `${factor} ${unit}`;
}

/**
 * Tick labels for the values `ticks` spaced `step` apart, written in units of 10^`power`
 * (see {@link axisPower}; the axis title carries the prefix), with as many decimals as the
 * spacing needs and a real minus sign.
 *
 * @example
 * siTicks([0, 0.0005, 0.001], 0.0005, -3); // ['0', '0.5', '1.0']
 * siTicks([1.5, 2, 2.5], 0.5);             // ['1.5', '2.0', '2.5']
 */
export function siTicks(ticks: readonly number[], step: number, power = 0): string[] {
  const scale = 10 ** power;
  const scaledStep = Math.abs(step) / scale;
  const decimals =
    scaledStep > 0 && Number.isFinite(scaledStep)
      ? Math.max(0, Math.min(12, Math.ceil(-Math.log10(scaledStep) - 1e-9)))
      : 3;
  return ticks.map((t) => {
    if (!Number.isFinite(t)) return '';
    const v = t / scale;
    return Math.abs(v) < 0.5 * 10 ** -decimals ? '0' : v.toFixed(decimals).replace('-', '−');
  });
}

/**
 * Tick labels of a log axis: powers of ten as 1e−5, 1e2 (1, 10, 100 and 0.1, 0.01 as they
 * are); the in-between ticks (2, 5 × 10ⁿ) stay unlabelled so the labels never overlap.
 *
 * @example
 * logTicks([1e-6, 2e-6, 1e-5, 0.1, 1]); // ['1e−6', '', '1e−5', '0.1', '1']
 */
export function logTicks(ticks: readonly number[]): string[] {
  return ticks.map((t) => {
    if (!(t > 0)) return '';
    const e = Math.round(Math.log10(t));
    if (Math.abs(t / 10 ** e - 1) > 1e-6) return '';
    if (e >= -2 && e <= 3) return String(10 ** e).replace(/(\.\d*?)0+$/, '$1');
    return `1e${String(e).replace('-', '−')}`;
  });
}

/**
 * A value with its unit to three significant figures, SI-prefixed outside 0.1 … 1000 when
 * the unit takes a prefix (m, s, N, m/s, N/m): 0.0561 m → '56.1 mm', 0.25 m → '0.250 m'.
 *
 * @example
 * withUnit(0.0561, 'm');  // '56.1 mm'
 * withUnit(0.25, 'm');    // '0.250 m'
 * withUnit(2.5, 'm/s');   // '2.50 m/s'
 * withUnit(0.3, '1');     // '0.300'
 */
export function withUnit(value: number, unit: string): string {
  if (!Number.isFinite(value)) return `${value}${unit && unit !== '1' ? ` ${unit}` : ''}`;
  if (unit === '' || unit === '1') return value.toPrecision(3);
  // 0.1 to 1000 read fine in the unit itself (0.250 m, not 250 mm)
  if (!PREFIXABLE.test(unit) || value === 0 || (Math.abs(value) >= 0.1 && Math.abs(value) < 1000))
    return `${value.toPrecision(3).replace('-', '−')} ${unit}`;
  const k = Math.max(
    -PREFIX_ZERO,
    Math.min(PREFIXES.length - 1 - PREFIX_ZERO, Math.floor(Math.log10(Math.abs(value)) / 3)),
  );
  return `${(value / 10 ** (3 * k)).toPrecision(3).replace('-', '−')} ${PREFIXES[k + PREFIX_ZERO]}${unit}`;
}

/** Most ticks of {@link decadeTicks}: beyond it every 2nd, 3rd, … power of ten. */
const MAX_DECADE_TICKS = 8;

/**
 * Ticks of a log axis from `min` to `max` (> 0): the powers of ten between them, every
 * k-th one when there are more than {@link MAX_DECADE_TICKS}. (uPlot's own log ticks loop
 * without end on a range reaching ~1e-29 and below; these are computed from exponents.)
 *
 * @example
 * decadeTicks(0.003, 20); // [0.01, 0.1, 1, 10]
 * decadeTicks(1e-30, 1);  // [1e-30, 1e-26, …, 1]: every 4th power
 */
export function decadeTicks(min: number, max: number): number[] {
  if (!(min > 0 && max >= min && Number.isFinite(max))) return [];
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / MAX_DECADE_TICKS));
  const ticks: number[] = [];
  // from the top, so the largest power (where the curve starts) is always labelled
  for (let e = hi; e >= lo; e -= step) ticks.unshift(Number(`1e${e}`));
  return ticks;
}

/**
 * A value beyond this many times a curve's typical size (the 90th percentile of |v|) is
 * left outside a linear axis's range: one steep mode's spikes (billiards' penalty
 * gradient reaches 3.6e3 s where the other modes stay within 40 s) would otherwise flatten
 * every other curve onto the zero line.
 */
export const OUTLIER_FACTOR = 10;

/**
 * The data range of a linear axis for `values` (nulls and non-finite values ignored)
 * without its outliers (|v| > {@link OUTLIER_FACTOR} × the 90th percentile of |v|), and
 * the indices left outside; null when nothing is left out (the plot's own range fits).
 *
 * @example
 * outlierRange([1, -2, 3, 1, 2, 1, -1, 2, 1, 5000]); // { min: -2, max: 3, outside: [9] }
 */
export function outlierRange(
  values: readonly (number | null)[],
): { min: number; max: number; outside: number[] } | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length < 10) return null;
  const sizes = finite.map(Math.abs).sort((a, b) => a - b);
  const typical = sizes[Math.floor(0.9 * (sizes.length - 1))];
  const limit = OUTLIER_FACTOR * typical;
  if (!(limit > 0) || sizes[sizes.length - 1] <= limit) return null;
  let min = Infinity;
  let max = -Infinity;
  const outside: number[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    if (Math.abs(v) > limit) outside.push(i);
    else {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  });
  return { min, max, outside };
}
