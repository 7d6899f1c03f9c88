/** Which proxy addresses pass as a box's Jupyter link, and what the proxy is told to admit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNotebookProxyUrl, proxyAccessMetadata } from '../../src/domain/jupyter-access.js';

test("only https addresses on Google's notebook proxy domain pass as a Jupyter link", () => {
  const cases: [string, boolean][] = [
    ['https://abc123-dot-us-central1.notebooks.googleusercontent.com/', true],
    ['https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab?x=1', true],
    ['https://ABC-dot-europe-west4.Notebooks.GoogleUserContent.com/lab', true],
    ['http://abc123-dot-us-central1.notebooks.googleusercontent.com/', false],
    ['https://notebooks.googleusercontent.com/', false],
    ['https://notebooks.googleusercontent.com.evil.example/', false],
    ['https://evilnotebooks.googleusercontent.com/', false],
    ['https://abc-dot-us-central1.notebooks.googleusercontent.com:8443/', false],
    ['https://user:pw@abc-dot-us-central1.notebooks.googleusercontent.com/', false],
    ['https://attacker.example/?u=abc.notebooks.googleusercontent.com', false],
    ['javascript:alert(1)//abc.notebooks.googleusercontent.com', false],
    ['not a url', false],
  ];
  for (const [url, ok] of cases) assert.equal(isNotebookProxyUrl(url), ok, url);
});

test("the proxy admits the owner's account alone by default, registers nothing without one, and every editor only when asked", () => {
  assert.deepEqual(proxyAccessMetadata('owner', 'alice@example.com'), { 'proxy-mode': 'mail', 'proxy-user-mail': 'alice@example.com' });
  assert.deepEqual(proxyAccessMetadata('owner', null), { 'proxy-mode': 'none' });
  assert.deepEqual(proxyAccessMetadata('owner', 'alice@example.com,bob@example.com'), { 'proxy-mode': 'none' });
  assert.deepEqual(proxyAccessMetadata('project-editors', 'alice@example.com'), { 'proxy-mode': 'project_editors' });
});
