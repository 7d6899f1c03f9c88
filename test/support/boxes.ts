/** Complete boxes, specs and requests for tests: override only what a test is about. */
import { BOX_STATUSES, type Box, type BoxSpec, type BoxStatus } from '../../src/domain/box.js';
import type { BoxRequest } from '../../src/domain/box-request.js';

/** 2026-07-14 09:30 UTC; tests pass time in, nothing reads the clock. */
export const T0 = Date.UTC(2026, 6, 14, 9, 30);
export const MIN = 60_000;

export const OWNER = 'U0123ABCD';
export const CHANNEL = 'C0456EFGH';
export const PROJECT = 'ml-research-123';

export type BoxOverrides = Partial<Omit<Box, 'spec'>> & { spec?: Partial<BoxSpec> };

/** A complete box, ready in us-central1-a with a T4 and a Jupyter link; override what a test is about. */
export function makeBox(overrides: BoxOverrides = {}): Box {
  const { spec, ...rest } = overrides;
  const base: Box = {
    id: 'bx7k2m9q',
    name: 'exp42',
    owner: OWNER,
    channel: CHANNEL,
    spec: {
      gpu: 't4',
      gpuCount: 1,
      machineType: 'n1-standard-8',
      region: 'us-central1',
      zone: null,
      diskGb: 200,
      imageFamily: 'common-cu128-ubuntu-2204-nvidia-570',
      imageProject: 'deeplearning-platform-release',
      spot: false,
      ...spec,
    },
    desired: 'running',
    status: 'ready',
    zone: 'us-central1-a',
    zonesTried: [],
    operation: null,
    jupyterUrl: 'https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab',
    failure: null,
    history: [
      { status: 'requested', at: T0 },
      { status: 'creating', at: T0 + 1 * MIN, note: 'us-central1-a' },
      { status: 'booting', at: T0 + 2 * MIN },
      { status: 'ready', at: T0 + 6 * MIN },
    ],
    createdAt: T0,
    updatedAt: T0 + 6 * MIN,
    rev: 4,
  };
  return { ...base, ...rest };
}

export const ALL_STATUSES: readonly BoxStatus[] = BOX_STATUSES;

/** A validated spec: one T4 on n1-standard-8 in us-central1, 200 GB. */
export function makeSpec(overrides: Partial<BoxSpec> = {}): BoxSpec {
  return { ...makeBox().spec, ...overrides };
}

/** What `/gpu up exp42` parses to. */
export function makeRequest(overrides: Partial<BoxRequest> = {}): BoxRequest {
  return {
    name: 'exp42',
    gpu: 't4',
    gpuCount: 1,
    machineType: null,
    zone: null,
    region: null,
    diskGb: 200,
    imageFamily: null,
    spot: false,
    ...overrides,
  };
}
