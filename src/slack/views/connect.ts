/** How to reach a box's Jupyter: the proxy link when there is one, and always the IAP tunnel command. */
import type { Box } from '../../domain/box.js';
import type { KnownBlock, SlackMessage } from './block-kit.js';
import { nameText, openButton, startButton } from './box-parts.js';
import { jupyterLink, link, shellWord } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section } from './messages.js';

export interface ConnectContext {
  project: string;
  /** Who asked (the answer is theirs alone): the Jupyter link is shown to the box's owner only. */
  viewer: string;
}

/** Google's IAP TCP forwarding range: the firewall rule admits these addresses only, not the internet. */
export const IAP_RANGE = '35.235.240.0/20';
export const JUPYTER_PORT = 8080;

/** The exact command to paste into a terminal (plain text, not yet escaped for mrkdwn). */
export function iapTunnelCommand(name: string, zone: string, project: string): string {
  return [
    'gcloud compute start-iap-tunnel',
    shellWord(name),
    String(JUPYTER_PORT),
    `--local-host-port=localhost:${JUPYTER_PORT}`,
    `--zone=${shellWord(zone)}`,
    `--project=${shellWord(project)}`,
  ].join(' ');
}

const NEEDS =
  `The tunnel needs \`roles/iap.tunnelResourceAccessor\` on the project and a firewall rule allowing TCP ${JUPYTER_PORT} from ${IAP_RANGE}, ` +
  'which admits only Google’s IAP range, not the internet. Ask your admin if the command says permission denied.';

function notRunning(box: Box, name: string): SlackMessage {
  let text: string;
  const blocks: KnownBlock[] = [];
  switch (box.status) {
    case 'stopped':
      text = `\`${name}\` is stopped, so there is nothing to connect to. Start it (the button below, or \`/gpu start ${name}\`); the link comes when Jupyter is ready.`;
      break;
    case 'stopping':
      text = `\`${name}\` is stopping. Once it has stopped, start it again with \`/gpu start ${name}\`.`;
      break;
    case 'starting':
      text = `\`${name}\` is starting; Connect works once Jupyter is ready (its card says when).`;
      break;
    case 'awaiting-approval':
      text = `\`${name}\` is waiting for an admin's approval (it is past a budget); Connect works once it is approved and ready (its card says when).`;
      break;
    case 'requested':
    case 'creating':
      text = `\`${name}\` is still being created; Connect works once it is ready (its card says when).`;
      break;
    case 'deleting':
    case 'deleted':
      text = `\`${name}\` is deleted. Create a new box with \`/gpu up NAME --gpu t4\`.`;
      break;
    case 'failed':
      text = `\`${name}\` could not be created, so there is nothing to connect to. Its card says why; try again with \`/gpu up\`.`;
      break;
    default:
      text = `\`${name}\` is not running.`;
  }
  blocks.push(section(`:information_source: ${text}`));
  if (box.status === 'stopped') blocks.push({ type: 'actions', elements: [startButton(box)] });
  return { text: fallbackText(text), blocks };
}

export function connectMessage(box: Box, ctx: ConnectContext): SlackMessage {
  const name = nameText(box);
  const zone = box.zone ?? box.spec.zone;
  const running = box.status === 'ready' || box.status === 'booting';
  if (!running || zone === null) return notRunning(box, name);

  const blocks: KnownBlock[] = [];
  const proxied = box.status === 'ready' ? jupyterLink(box.jupyterUrl) : null;
  // The proxy admits the owner's Google account alone; an admin asking gets the tunnel, not a link that refuses them.
  const url = box.owner === ctx.viewer ? proxied : null;
  const lead =
    box.status === 'booting'
      ? `:gear: \`${name}\` is still booting: the tunnel works once Jupyter is up (its card says when).`
      : url !== null
        ? `:large_green_circle: *Open JupyterLab for \`${name}\`:* ${link(url, 'open JupyterLab')} (through Google’s proxy; sign in with your Google account).`
        : proxied !== null
          ? `:large_green_circle: \`${name}\`'s Jupyter link opens for its owner's Google account alone; use the tunnel below.`
          : `:large_green_circle: \`${name}\` has no proxy link for Jupyter; use the tunnel below.`;
  const open = url !== null ? openButton(box) : null;
  blocks.push(open !== null ? { ...section(lead), accessory: open } : section(lead));

  const command = iapTunnelCommand(box.name, zone, box.project ?? ctx.project);
  blocks.push(
    section(`${url !== null ? 'Or tunnel' : 'Tunnel'} from your own machine:\n\`\`\`${escapeMrkdwn(command)}\`\`\`\nthen open http://localhost:${JUPYTER_PORT}`),
  );
  blocks.push(contextLine(NEEDS));
  const text = url !== null ? `${name}: open JupyterLab at ${url} or run ${command}` : `${name}: run ${command} then open http://localhost:${JUPYTER_PORT}`;
  return { text: fallbackText(escapeMrkdwn(text)), blocks };
}
