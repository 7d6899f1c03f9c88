/**
 * Block Kit types (from @slack/types, through @slack/bolt so only declared dependencies are named)
 * and the few element constructors every builder here shares.
 */
import type { types } from '@slack/bolt';

export type KnownBlock = types.KnownBlock;
export type SectionBlock = types.SectionBlock;
export type ActionsBlock = types.ActionsBlock;
export type ContextBlock = types.ContextBlock;
export type HeaderBlock = types.HeaderBlock;
export type DividerBlock = types.DividerBlock;
export type InputBlock = types.InputBlock;
export type Button = types.Button;
export type PlainTextElement = types.PlainTextElement;
export type MrkdwnElement = types.MrkdwnElement;
export type PlainTextOption = types.PlainTextOption;
export type ConfirmationDialog = types.ConfirmationDialog;
export type HomeView = types.HomeView;
export type ModalView = types.ModalView;
export type View = types.View;

/** Views built here hold known blocks only, so tests and callers can inspect them without casts. */
export type Modal = ModalView & { blocks: KnownBlock[] };
export type Home = HomeView & { blocks: KnownBlock[] };

/** What a message builder returns: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** A reply only the asker sees (slash command answers, button answers). */
export interface EphemeralMessage extends SlackMessage {
  response_type: 'ephemeral';
}

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionField: 2000,
  contextText: 3000,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  optionText: 75,
  optionValue: 75,
  optionDescription: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  viewTitle: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  /** Slack cuts longer `text` itself; a fallback that long helps nobody. */
  fallbackText: 3000,
} as const;

export function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

export function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text };
}

export function divider(): DividerBlock {
  return { type: 'divider' };
}
