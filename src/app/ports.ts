/**
 * What the use cases and controllers need from the outside world, shaped by their needs rather than by
 * the SDKs. Adapters in gcp/, store/ and slack/ implement these. The ports live in src/app/ports/, one
 * file per need; this index names them all for the adapters and main.ts. Port files import each other,
 * never this index, so the two stay free of circles.
 */
export * from './ports/common.js';
export * from './ports/cloud.js';
export * from './ports/compute.js';
export * from './ports/lease.js';
export * from './ports/boxes.js';
export * from './ports/notices.js';
export * from './ports/jobs.js';
export * from './ports/training.js';
export * from './ports/idle.js';
export * from './ports/prices.js';
export * from './ports/costs.js';
export * from './ports/deployment.js';
export * from './ports/policy.js';
export * from './ports/accounts.js';
export * from './ports/audit.js';
export * from './ports/box-agent.js';
export * from './ports/stopped-reminders.js';
export * from './ports/teams.js';
