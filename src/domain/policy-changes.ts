/**
 * What a policy change changed, in a few words for the audit trail: the names of the fields that
 * differ, so `/gpu audit` says "changed the policy (most GPUs per person, idle stop off)" rather
 * than only that someone saved the form.
 */
import type { TeamPolicy } from './policy.js';

/** The name each field goes by in the audit trail; a Record, so a new field cannot be left out. */
const FIELD_NAMES: Readonly<Record<Exclude<keyof TeamPolicy, 'approval'>, string>> = {
  allowedGpus: 'GPU types allowed',
  channelGpus: 'GPU types per channel',
  maxGpusPerPerson: 'most GPUs per person',
  maxBoxesPerPerson: 'most boxes per person',
  maxUsdPerHourPerPerson: 'most dollars per hour per person',
  defaultRunningMs: 'default running time',
  maxRunningMs: 'longest running time',
  idleOffAllowed: 'idle stop off',
  idleOffMaxMs: 'longest run with idle stop off',
  maxReplicasPerJob: 'most replicas per job',
  maxGpusPerJob: 'most GPUs per job',
  stoppedReminderDays: 'stopped-box reminder',
};

const APPROVAL_NAMES: Readonly<Record<keyof TeamPolicy['approval'], string>> = {
  gpus: 'approval by GPU type',
  gpusAbove: 'approval by GPU count',
  usdPerHourAbove: 'approval by dollars per hour',
  pastBudget: 'past a budget',
};

/** The fields that differ between two policies, by the names people read; empty when none does. */
export function policyChanges(before: TeamPolicy, after: TeamPolicy): string[] {
  const changed: string[] = [];
  for (const field of Object.keys(FIELD_NAMES) as (keyof typeof FIELD_NAMES)[]) if (!same(before[field], after[field])) changed.push(FIELD_NAMES[field]);
  for (const field of Object.keys(APPROVAL_NAMES) as (keyof typeof APPROVAL_NAMES)[]) if (!same(before.approval[field], after.approval[field])) changed.push(APPROVAL_NAMES[field]);
  return changed;
}

/** The audit entry's detail for a change: what changed, or that the form was saved as it was. */
export function policyChangeDetail(before: TeamPolicy, after: TeamPolicy): string {
  const changed = policyChanges(before, after);
  return changed.length === 0 ? 'saved unchanged' : changed.join(', ');
}

/** Values compared as data: lists of GPU types in another order are the same rule. */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value.map(canonical).sort());
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
