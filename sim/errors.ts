/**
 * Typed errors of the simulator. The CLI maps them to exit codes: a {@link SceneError}
 * (including its subclass {@link PathError}) is invalid input (exit 2); a
 * {@link DivergenceError} is a failure of the run (exit 1). Each names what to fix, so
 * the CLI prints `err.message` and never a stack trace.
 */

/** One problem found in a scene: where (a JSON path such as `bodies[1].shape.radius`) and what. */
export interface SceneIssue {
  /** JSON path of the offending field; `''` for the scene as a whole */
  readonly path: string;
  /** what is wrong, e.g. `must be > 0` */
  readonly message: string;
}

/**
 * Problems listed in an error message. A hostile scene can hold a million; the message
 * shows the first ones and counts the rest (`issues` keeps them all).
 */
export const MAX_ISSUES_SHOWN = 50;

/**
 * Format issues as `path: message`, one per line (the scene root shows as `(scene)`), at
 * most {@link MAX_ISSUES_SHOWN} of them and a count of the others.
 */
export function formatIssues(issues: readonly SceneIssue[]): string {
  const shown = issues
    .slice(0, MAX_ISSUES_SHOWN)
    .map((issue) => `${issue.path === '' ? '(scene)' : issue.path}: ${issue.message}`);
  if (issues.length > MAX_ISSUES_SHOWN) shown.push(`… and ${issues.length - MAX_ISSUES_SHOWN} more problems`);
  return shown.join('\n');
}

/**
 * An invalid scene (or an invalid path into one). `issues` lists every problem found, each
 * with its JSON path; the message lists them all.
 *
 * @example
 * try { parseScene(json); } catch (err) {
 *   if (err instanceof SceneError) { console.error(err.message); process.exitCode = 2; }
 * }
 */
export class SceneError extends Error {
  readonly issues: readonly SceneIssue[];

  constructor(issues: readonly SceneIssue[], heading = 'invalid scene') {
    const list = formatIssues(issues);
    const indented = list.replaceAll('\n', '\n  ');
    super(issues.length === 1 ? `${heading}: ${list}` : `${heading} (${issues.length} problems):\n  ${indented}`);
    this.name = 'SceneError';
    this.issues = Object.freeze([...issues]);
  }

  /** JSON path of the first problem. */
  get path(): string {
    return this.issues.length > 0 ? this.issues[0].path : '';
  }
}

/** Choices listed in a path error's message (a scene of 100 boxes has hundreds). */
const MAX_CHOICES_SHOWN = 20;

/**
 * An invalid parameter or quantity path (`--wrt`, `--of`, `objective.wrt[i]`). `text` is
 * the path as written, `choices` the valid alternatives at the point where it went wrong
 * (also listed in the message).
 */
export class PathError extends SceneError {
  /** the path as the user wrote it */
  readonly text: string;
  /** the valid alternatives at the first component that did not match */
  readonly choices: readonly string[];

  constructor(where: string, text: string, reason: string, choices: readonly string[]) {
    const hidden = choices.length - MAX_CHOICES_SHOWN;
    const shown = hidden > 0 ? [...choices.slice(0, MAX_CHOICES_SHOWN), `… (${hidden} more)`] : choices;
    const listed = shown.length > 0 ? `; valid: ${shown.join(', ')}` : '';
    const message = `'${text}': ${reason}${listed}`;
    super([{ path: where, message }], 'invalid path');
    // a path given on its own (e.g. --wrt) has no JSON location to show
    if (where === '') this.message = `invalid path ${message}`;
    this.name = 'PathError';
    this.text = text;
    this.choices = Object.freeze([...choices]);
  }
}

/**
 * The simulation diverged: it produced a non-finite value, or (sim/sanity.ts) a finite
 * state that gained more energy than anything in the scene supplies. Names the step
 * (after how many steps it was seen), the body and the quantity, with a hint that fits
 * the cause; never prints NaN as a result.
 */
export class DivergenceError extends Error {
  /** number of steps taken when the divergence was seen (the step that produced it) */
  readonly step: number;
  /** name of the body (the first with a non-finite value, the one that gained the most energy, or the one sinking into `other`) */
  readonly body: string;
  /**
   * the quantity: a state field holding a non-finite value (`position`, `orientation`,
   * `linearVelocity`, `angularVelocity`), or for a finite blow-up `energy`, `speed` or
   * `position` (sim/sanity.ts: energy balance, speed and distance bounds), or `penetration`
   * (a contact deeper than its bound: `body` sinks into `other`)
   */
  readonly field: string;
  /** what to try */
  readonly hint: string;
  /** the other body of the pair, for a quantity of two bodies (`penetration`); else absent */
  readonly other?: string;

  constructor(
    step: number,
    body: string,
    field: string,
    detail: { reason?: string; hint?: string; other?: string } = {},
  ) {
    const reason = detail.reason ?? `body '${body}' has a non-finite ${field}`;
    const hint = detail.hint ?? 'try a smaller dt or a softer contact';
    super(`simulation diverged at step ${step}: ${reason} (${hint})`);
    this.name = 'DivergenceError';
    this.step = step;
    this.body = body;
    this.field = field;
    this.hint = hint;
    if (detail.other !== undefined) this.other = detail.other;
  }
}
