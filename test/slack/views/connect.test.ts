import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectMessage, iapTunnelCommand } from '../../../src/slack/views/connect.js';
import {
  ALL_STATUSES,
  HOSTILE,
  PROJECT,
  assertBlockKit,
  assertNoRawMarkup,
  buttonsIn,
  makeBox,
  makeBoxIn,
  OWNER,
  textOf,
} from './fixtures.js';

const ctx = { project: PROJECT, viewer: OWNER };
const COMMAND = `gcloud compute start-iap-tunnel exp42 8080 --local-host-port=localhost:8080 --zone=us-central1-a --project=${PROJECT}`;

describe('connectMessage', () => {
  it('gives the exact IAP tunnel command in a code block, then the local address', () => {
    const text = textOf(connectMessage(makeBox(), ctx).blocks);
    assert.ok(text.includes(`\`\`\`${COMMAND}\`\`\`\nthen open http://localhost:8080`), text);
  });

  it("tunnels into the box's own project: a team's box lives in the team's project (`/gpu team`)", () => {
    const text = textOf(connectMessage(makeBox({ project: 'vision-lab', team: 'CVISION' }), ctx).blocks);
    assert.ok(text.includes('--zone=us-central1-a --project=vision-lab'), text);
    assert.ok(!text.includes(`--project=${PROJECT}`), text);
  });

  it('gives the Jupyter link through the proxy when there is one, as a link and a button', () => {
    const m = connectMessage(makeBox(), ctx);
    assert.ok(textOf(m.blocks).includes('<https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab|open JupyterLab>'));
    assert.deepEqual(
      buttonsIn(m.blocks).map((b) => [b.action_id, b.url]),
      [['box_open', 'https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab']],
    );
  });

  it('gives an admin who is not the owner the tunnel, never the link the proxy would refuse them', () => {
    const m = connectMessage(makeBox(), { project: PROJECT, viewer: 'UADMIN' });
    assert.ok(!JSON.stringify(m).includes('notebooks.googleusercontent.com'), JSON.stringify(m));
    assert.equal(buttonsIn(m.blocks).length, 0);
    assert.ok(textOf(m.blocks).includes("opens for its owner's Google account alone"));
    assert.ok(textOf(m.blocks).includes(COMMAND));
  });

  it('drops a proxy-url that is not on Google\'s notebook proxy domain', () => {
    for (const jupyterUrl of ['https://evil.example.com/lab', 'https://notebooks.googleusercontent.com.evil.example/lab', 'http://abc-dot-us-central1.notebooks.googleusercontent.com/', 'https://abc-dot-us-central1.notebooks.googleusercontent.com:8443/']) {
      const m = connectMessage(makeBox({ jupyterUrl }), ctx);
      assert.ok(!JSON.stringify(m).includes(jupyterUrl.replace(/\/lab$|\/$/, '')), jupyterUrl);
      assert.ok(textOf(m.blocks).includes('has no proxy link'), jupyterUrl);
    }
  });

  it('offers only the tunnel when there is no proxy link', () => {
    const m = connectMessage(makeBox({ jupyterUrl: null }), ctx);
    assert.ok(textOf(m.blocks).includes('has no proxy link'));
    assert.equal(buttonsIn(m.blocks).length, 0);
    assert.ok(textOf(m.blocks).includes(COMMAND));
  });

  it('says what the tunnel needs, and that the firewall rule admits only the IAP range', () => {
    const text = textOf(connectMessage(makeBox(), ctx).blocks);
    assert.ok(text.includes('`roles/iap.tunnelResourceAccessor`'));
    assert.ok(text.includes('TCP 8080 from 35.235.240.0/20'));
    assert.ok(text.includes('only Google’s IAP range, not the internet'));
  });

  it('says a stopped box is not running and offers Start', () => {
    const m = connectMessage(makeBoxIn('stopped'), ctx);
    const text = textOf(m.blocks);
    assert.ok(text.includes('`exp42` is stopped'));
    assert.ok(text.includes('`/gpu start exp42`'));
    assert.ok(!text.includes('start-iap-tunnel'));
    assert.deepEqual(
      buttonsIn(m.blocks).map((b) => b.action_id),
      ['box_start'],
    );
  });

  it('says a box still being created cannot be reached yet', () => {
    assert.ok(textOf(connectMessage(makeBoxIn('creating'), ctx).blocks).includes('still being created'));
  });

  it('quotes a name the shell would read as more than a word', () => {
    assert.equal(
      iapTunnelCommand("x; rm -rf ~ 'y'", 'us-central1-a', 'p'),
      `gcloud compute start-iap-tunnel 'x; rm -rf ~ '\\''y'\\''' 8080 --local-host-port=localhost:8080 --zone=us-central1-a --project=p`,
    );
  });

  for (const status of ALL_STATUSES) {
    it(`stays within limits and escapes a hostile box when ${status}`, () => {
      const m = connectMessage(makeBoxIn(status, { name: HOSTILE }), { project: HOSTILE, viewer: OWNER });
      assertBlockKit('message', m, `connect(${status})`);
      assertNoRawMarkup(m, `connect(${status})`);
    });
  }
});
