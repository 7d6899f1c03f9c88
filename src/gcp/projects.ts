/**
 * Adapters per Google Cloud project: a channel bound to a team sends its boxes and jobs to the team's
 * project (domain/team.ts), so the controllers ask for the port of a record's project. Each is built on
 * first use with the same auth client and endpoint as the configured project's, and kept.
 */
import type { ForProject } from '../app/ports.js';

export function perProject<T>(configured: string, first: T, build: (project: string) => T): ForProject<T> {
  const made = new Map<string, T>([[configured, first]]);
  return (project) => {
    let port = made.get(project);
    if (port === undefined) {
      port = build(project);
      made.set(project, port);
    }
    return port;
  };
}
