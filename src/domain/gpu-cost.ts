/** `/gpu cost [--days N | --month] [--user @someone | --all]`: the period and whose spend. */
import { DEFAULT_COST_RANGE, MAX_COST_DAYS, type CostRange, type CostWho } from './cost-report.js';
import { fail, ok, parseUserRef, parseWhole, readArgs, unknownFlagError, type FlagSpec, type Setting } from './gpu-flags.js';
import type { Parsed } from './result.js';
import { quoteUserText as q } from './shell-words.js';

const COST_FLAGS: Readonly<Record<string, FlagSpec>> = {
  days: { field: 'days', value: 'text' },
  month: { field: 'month', value: 'bool' },
  user: { field: 'user', value: 'text' },
  all: { field: 'all', value: 'bool' },
  a: { field: 'all', value: 'bool' },
};

export function parseCost(said: string, args: readonly string[]): Parsed<{ range: CostRange; who: CostWho }> {
  const takes = `\`/gpu ${said}\` takes \`--days N\` or \`--month\`, and \`--user @someone\` or \`--all\`, like \`/gpu ${said} --days 30 --all\`.`;
  const read = readArgs(args, COST_FLAGS, (written) => unknownFlagError(written, COST_FLAGS, takes));
  if (!read.ok) return read;
  const extra = read.value.positionals[0];
  if (extra !== undefined) {
    const user = parseUserRef(extra);
    const hint = user !== null ? ` Did you mean \`--user ${extra}\`?` : /^all$/i.test(extra) ? ' Did you mean `--all`?' : '';
    return fail('EXTRA_ARGUMENT', `${q(extra)} is extra.${hint} ${takes}`);
  }
  let range: Setting<CostRange> | undefined;
  let who: Setting<CostWho> | undefined;
  for (const { flag, spec, value } of read.value.flags) {
    const written = `${flag} ${value}`;
    if (spec.field === 'days') {
      const days = parseWhole(value);
      if (days === null || days < 1 || days > MAX_COST_DAYS) {
        return fail('BAD_NUMBER', `\`${flag}\` takes a whole number of days from 1 to ${MAX_COST_DAYS}, like \`${flag} 30\`; ${q(value)} isn't one.`);
      }
      const r = settleRange(range, { value: { kind: 'days', days }, said: written });
      if (!r.ok) return r;
      range = r.value;
    } else if (spec.field === 'month') {
      if (value !== 'true') continue;
      const r = settleRange(range, { value: { kind: 'month' }, said: flag });
      if (!r.ok) return r;
      range = r.value;
    } else if (spec.field === 'user') {
      const userId = parseUserRef(value);
      if (userId === null) {
        return fail('BAD_VALUE', `\`${flag}\` takes a person picked from Slack's @ list, like \`${flag} @someone\`; ${q(value)} isn't one.`);
      }
      if (who !== undefined && who.value.kind !== 'user') return fail('CONFLICTING_FLAGS', `${q(who.said)} and ${q(written)} both say whose spend. Keep one.`);
      if (who !== undefined && who.value.kind === 'user' && who.value.userId !== userId) {
        return fail('CONFLICTING_FLAGS', `${q(who.said)} and ${q(written)} both say whose spend. Keep one.`);
      }
      who = { value: { kind: 'user', userId }, said: written };
    } else if (spec.field === 'all') {
      if (value !== 'true') continue;
      if (who !== undefined && who.value.kind !== 'all') return fail('CONFLICTING_FLAGS', `${q(who.said)} and \`--all\` both say whose spend. Keep one.`);
      who = { value: { kind: 'all' }, said: '--all' };
    }
  }
  return ok({ range: range?.value ?? DEFAULT_COST_RANGE, who: who?.value ?? { kind: 'me' } });
}

function settleRange(current: Setting<CostRange> | undefined, next: Setting<CostRange>): Parsed<Setting<CostRange>> {
  const same = current !== undefined && JSON.stringify(current.value) === JSON.stringify(next.value);
  return current === undefined || same ? ok(next) : fail('CONFLICTING_FLAGS', `${q(current.said)} and ${q(next.said)} both set the period. Keep one.`);
}
