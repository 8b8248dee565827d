import { InputError } from '../errors.js';

/**
 * The interval of a workflow's `on.schedule` crons, so the watchdog derives "stale" from the
 * Keymaster's own schedule instead of a second copy of it. GitHub's cron: five fields (minute,
 * hour, day of month, month, day of week), UTC, with `*`, lists, ranges and steps.
 */

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 6 },
] as const;

interface Cron {
  sets: Set<number>[];
  /** Day of month and day of week both restricted: either matches (cron's rule). */
  dayEither: boolean;
}

function parseField(text: string, field: (typeof FIELDS)[number], cron: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m)
      throw new InputError(
        `cron "${cron}": ${field.name} "${part}" is not a number, range, * or step`,
      );
    const from = m[1] === '*' ? field.min : Number(m[2]);
    const to =
      m[1] === '*' ? field.max : m[3] !== undefined ? Number(m[3]) : m[4] ? field.max : from;
    const step = m[4] ? Number(m[4]) : 1;
    // 7 is Sunday too.
    const top = field.name === 'day of week' ? 7 : field.max;
    if (from < field.min || to > top || from > to || step < 1) {
      throw new InputError(
        `cron "${cron}": ${field.name} "${part}" is outside ${field.min}-${field.max}`,
      );
    }
    for (let v = from; v <= to; v += step) values.add(field.name === 'day of week' ? v % 7 : v);
  }
  return values;
}

export function parseCron(cron: string): Cron {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) throw new InputError(`cron "${cron}" does not have five fields`);
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!, cron));
  return { sets, dayEither: parts[2] !== '*' && parts[4] !== '*' };
}

function matches(c: Cron, d: Date): boolean {
  const [minute, hour, dom, month, dow] = c.sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (!minute.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours())) return false;
  if (!month.has(d.getUTCMonth() + 1)) return false;
  const byDom = dom.has(d.getUTCDate());
  const byDow = dow.has(d.getUTCDay());
  return c.dayEither ? byDom || byDow : byDom && byDow;
}

/**
 * The longest time, in seconds, between two consecutive runs of the union of `crons`, over a
 * year of minutes (every weekday and month length occurs): the interval a healthy schedule never
 * exceeds.
 */
export function scheduleIntervalSeconds(crons: string[]): number {
  if (crons.length === 0) throw new InputError('no schedule: the workflow has no on.schedule cron');
  const parsed = crons.map(parseCron);
  const start = Date.UTC(2027, 0, 1);
  const minutes = 366 * 24 * 60;
  let first: number | undefined;
  let last: number | undefined;
  let longest = 0;
  for (let i = 0; i < minutes; i++) {
    const d = new Date(start + i * 60_000);
    if (!parsed.some((c) => matches(c, d))) continue;
    if (last !== undefined) longest = Math.max(longest, i - last);
    first ??= i;
    last = i;
  }
  if (first === undefined || last === undefined) {
    throw new InputError(`the schedule ${crons.join(', ')} never runs`);
  }
  // Across the year's end, back to the first run.
  longest = Math.max(longest, minutes - last + first);
  return longest * 60;
}

/** The crons of a workflow document (parsed YAML): `on.schedule[].cron`. */
export function workflowCrons(workflow: unknown, source: string): string[] {
  const on = (workflow as { on?: unknown } | null)?.on;
  const schedule = (on as { schedule?: unknown } | null)?.schedule;
  if (!Array.isArray(schedule)) throw new InputError(`${source}: no on.schedule`);
  return schedule.map((entry, i) => {
    const cron = (entry as { cron?: unknown } | null)?.cron;
    if (typeof cron !== 'string')
      throw new InputError(`${source}: on.schedule[${i}].cron is not a string`);
    return cron;
  });
}
