// sim/driver/records.ts nearestPerDecision: a rollout's decisions, one report per label at its
// nearest step; contact decisions taken by (pair, kind) key give the same reports, in the same
// order, as the same decisions taken by label, and both ways meet in one entry per label.
import { describe, expect, it } from 'vitest';
import type { KinkSink } from '../../../ad/primitive.ts';
import {
  contactKinkLabel,
  KINK_MARGIN,
  KINK_ONSET,
  KINK_STICK_SLIP,
  reportContactKink,
} from '../../../sim/contact/kinks.ts';
import { nearestPerDecision } from '../../../sim/driver/records.ts';

const NAMES = ['ground', 'ball', 'box'];
/** (step, margin, a, b, kind): a few decisions over steps, nearest approaches in the middle */
const REPORTS: [number, number, number, number, number][] = [
  [0, 0.5, 1, 0, KINK_MARGIN],
  [0, 0.2, 2, 0, KINK_ONSET],
  [1, 0.3, 1, 0, KINK_MARGIN],
  [2, 0.1, 2, 0, KINK_ONSET],
  [2, 0.4, 2, 1, KINK_STICK_SLIP],
  [3, 0.3, 1, 0, KINK_MARGIN],
  [4, 0.05, 2, 1, KINK_STICK_SLIP],
];

function collect(
  report: (sink: KinkSink, margin: number, a: number, b: number, kind: number) => void,
  reports = REPORTS,
) {
  const sink = nearestPerDecision();
  for (const [t, margin, a, b, kind] of reports) {
    sink.t = t;
    report(sink, margin, a, b, kind);
  }
  const out: [string, number, boolean][] = [];
  sink.flush({ kink: (margin, label, jump) => out.push([label ?? '', margin, jump ?? false]) });
  return out;
}

describe('nearest per decision', () => {
  it('reports each decision once, at its nearest step, whether taken by key or by label', () => {
    const byLabel = collect((sink, m, a, b, kind) =>
      sink.kink(m, contactKinkLabel(NAMES, a, b, kind), kind === KINK_MARGIN),
    );
    const byKey = collect((sink, m, a, b, kind) => reportContactKink(sink, m, NAMES, a, b, kind, kind === KINK_MARGIN));
    expect(byLabel).toEqual([
      ['step 1: ball/ground margin', 0.3, true],
      ['step 2: box/ground onset', 0.1, false],
      ['step 4: box/ball stick/slip', 0.05, false],
    ]);
    expect(byKey).toEqual(byLabel);
  });

  it('meets a decision taken both ways in one entry', () => {
    const mixed = collect((sink, m, a, b, kind) =>
      m < 0.3
        ? sink.kink(m, contactKinkLabel(NAMES, a, b, kind), kind === KINK_MARGIN)
        : reportContactKink(sink, m, NAMES, a, b, kind, kind === KINK_MARGIN),
    );
    expect(mixed.map(([label]) => label)).toEqual([
      'step 1: ball/ground margin',
      'step 2: box/ground onset',
      'step 4: box/ball stick/slip',
    ]);
  });

  it('takes decisions by key in a model too large for the dense key table (kinks.ts DENSE_KINK_KEYS_MAX)', () => {
    const many = Array.from({ length: 120 }, (_, b) => (b === 0 ? 'ground' : `box${b}`));
    const far: [number, number, number, number, number][] = [
      [0, 0.5, 119, 0, KINK_ONSET],
      [1, 0.2, 100, 87, KINK_STICK_SLIP],
      [2, 0.1, 119, 0, KINK_ONSET],
      [3, 0.3, 100, 87, KINK_STICK_SLIP],
    ];
    const byKey = collect((sink, m, a, b, kind) => reportContactKink(sink, m, many, a, b, kind), far);
    expect(byKey).toEqual([
      ['step 2: box119/ground onset', 0.1, false],
      ['step 1: box100/box87 stick/slip', 0.2, false],
    ]);
  });
});
