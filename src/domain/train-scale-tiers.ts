/**
 * ML Engine's `--scale-tier`: which tier a submit asks for (BASIC unless a machine is named, then
 * CUSTOM), and the pools a predefined tier stands for on Vertex AI (TIER_POOLS in training-tiers.ts).
 */
import type { Parsed } from './result.js';
import { TIER_POOLS, parseScaleTier, tierNote, type ScaleTier } from './training-tiers.js';
import { fail, ok, type PoolDraft } from './train-values.js';

/** The tier asked for; `customFlags` are the machine flags used, which only CUSTOM takes. */
export function tierOf(scaleTier: { value: string } | undefined, customFlags: readonly string[]): Parsed<ScaleTier> {
  if (scaleTier === undefined) {
    // ML Engine's default tier; naming a machine or GPU is what CUSTOM is for.
    return ok(customFlags.length > 0 ? 'CUSTOM' : 'BASIC');
  }
  const parsed = parseScaleTier(scaleTier.value);
  if (!parsed.ok) return parsed;
  const tier = parsed.value;
  if (tier !== 'CUSTOM' && customFlags.length > 0) {
    return fail(
      'CONFLICTING_FLAGS',
      `\`--scale-tier ${tier}\` picks the machines itself; drop \`${customFlags[0] ?? ''}\`, or use \`--scale-tier CUSTOM\`.`,
    );
  }
  return ok(tier);
}

/** The pools of a predefined tier (none for BASIC_TPU, which parseScaleTier refuses before), with its note. */
export function scaleTierDrafts(tier: Exclude<ScaleTier, 'CUSTOM'>, notes: string[]): PoolDraft[] {
  if (tier === 'BASIC_TPU') return [];
  const drafts = TIER_POOLS[tier].map((p) => ({ role: p.role, machine: p.machineType, gpu: p.gpu, replicas: p.replicaCount, said: `\`--scale-tier ${tier}\``, image: null }));
  const note = tierNote(tier);
  if (note !== null) notes.push(note);
  return drafts;
}
