/** The job buttons' helper: the button's value is the job id. */
import type { Asker } from '../../../app/box-commands.js';
import type { Parsed } from '../../../domain/result.js';
import type { ListenerDeps } from '../../context.js';
import { runButton, type ButtonArgs } from './button.js';

export function runJobAction<T>(
  args: ButtonArgs,
  deps: ListenerDeps,
  what: string,
  act: (asker: Asker, jobId: string) => Promise<Parsed<T>>,
  said: (value: T) => string,
): Promise<void> {
  return runButton(args, deps, what, act, said);
}
