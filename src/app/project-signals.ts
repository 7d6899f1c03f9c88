/**
 * The idle reaper's signals when boxes live in more than one project (a team's, domain/team.ts): one
 * read per project, each box judged by its own project's series. A project whose Monitoring cannot be
 * read leaves its boxes without signals (unknown, never idle), and the others are judged as usual; only
 * when no project can be read does the pass have nothing to go on, as with one project.
 */
import type { Box } from '../domain/box.js';
import type { IdleSignals } from '../domain/idle.js';
import { projectOf } from '../domain/team.js';
import type { ForProject, Logger } from './ports.js';
import type { IdleSignalsPort } from './ports/idle.js';

export interface SignalSources {
  /** The configured project's Monitoring. */
  signals: IdleSignalsPort;
  /** A team project's; absent: every box is read from `signals`. */
  signalsFor?: ForProject<IdleSignalsPort>;
  /** The configured project (records without a project live there). */
  project?: string;
}

/** Each running box's signals, read per project; throws what `idleSignals` throws only when every project failed. */
export async function readSignals(boxes: readonly Box[], sources: SignalSources, windowMs: number, nowMs: number, log: Logger): Promise<(box: Box) => IdleSignals | null> {
  const { signalsFor, project: configured } = sources;
  if (signalsFor === undefined || configured === undefined) {
    const all = await sources.signals.idleSignals(windowMs, nowMs);
    return (box) => all.get(box.instanceId ?? '') ?? null;
  }
  const projects = [...new Set(boxes.map((b) => projectOf(b, configured)))];
  const failures: unknown[] = [];
  const read = await Promise.all(
    projects.map(async (project) => {
      const port = project === configured ? sources.signals : signalsFor(project);
      try {
        return [project, await port.idleSignals(windowMs, nowMs)] as const;
      } catch (error) {
        failures.push(error);
        log.warn('idle signals of a project unavailable; its boxes are not judged idle this tick', { project, error });
        return [project, null] as const;
      }
    }),
  );
  if (failures.length > 0 && failures.length === projects.length) throw failures[0];
  const byProject = new Map(read);
  return (box) => byProject.get(projectOf(box, configured))?.get(box.instanceId ?? '') ?? null;
}
