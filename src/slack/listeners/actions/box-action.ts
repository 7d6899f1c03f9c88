/** The box buttons' helper: the button's value is the box id. */
import type { Asker } from '../../../app/box-commands.js';
import type { Parsed } from '../../../domain/result.js';
import type { ListenerDeps } from '../../context.js';
import { runButton, type ButtonArgs } from './button.js';

export function runBoxAction<T>(
  args: ButtonArgs,
  deps: ListenerDeps,
  what: string,
  act: (asker: Asker, boxId: string) => Promise<Parsed<T>>,
  said: (value: T) => string,
): Promise<void> {
  return runButton(args, deps, what, act, said);
}
