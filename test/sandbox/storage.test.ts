import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageSandbox } from '../../src/sandbox/google/storage.js';
import { Discovery } from '../support/discovery.js';

const doc = Discovery.load('storage.v1.json');
const AUTH = { authorization: 'Bearer t' };

test('the Cloud Storage stand-in uploads, lists by prefix in pages, reads and deletes objects, each answer shaped as the storage v1 discovery document says', async () => {
  const storage = new StorageSandbox({ buckets: ['staging'], maxPageSize: 2 });
  const { url, close } = await storage.listen();
  try {
    for (const name of ['jobs/j1/code/code.tar.gz', 'jobs/j1/model/a.pb', 'jobs/j1/model/b.pb', 'jobs/j2/code/code.tar.gz']) {
      const query = new URLSearchParams({ uploadType: 'media', name });
      // uploadType is one of the document's global parameters; the method's own are checked here.
      assert.deepEqual(doc.validateQuery('storage.objects.insert', new URLSearchParams({ name })), []);
      const res = await fetch(`${url}/upload/storage/v1/b/staging/o?${query.toString()}`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/gzip' }, body: `bytes of ${name}` });
      assert.equal(res.status, 200);
      const object: unknown = await res.json();
      assert.deepEqual(doc.validate('Object', object), [], name);
      assert.equal((object as { size: string }).size, String(`bytes of ${name}`.length), 'size is a uint64 carried as a string');
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ prefix: 'jobs/j1/', ...(token !== undefined ? { pageToken: token } : {}) });
      const res = await fetch(`${url}/storage/v1/b/staging/o?${query.toString()}`, { headers: AUTH });
      const page = (await res.json()) as { items?: { name: string }[]; nextPageToken?: string };
      assert.deepEqual(doc.validateResponse('storage.objects.list', page), []);
      names.push(...(page.items ?? []).map((i) => i.name));
      token = page.nextPageToken;
      pages++;
    } while (token !== undefined);
    assert.deepEqual(names, ['jobs/j1/code/code.tar.gz', 'jobs/j1/model/a.pb', 'jobs/j1/model/b.pb']);
    assert.equal(pages, 2);

    const encoded = encodeURIComponent('jobs/j1/model/a.pb');
    const media = await fetch(`${url}/storage/v1/b/staging/o/${encoded}?alt=media`, { headers: AUTH });
    assert.equal(await media.text(), 'bytes of jobs/j1/model/a.pb');
    const gone = await fetch(`${url}/storage/v1/b/staging/o/${encoded}`, { method: 'DELETE', headers: AUTH });
    assert.equal(gone.status, 204);
    const again = await fetch(`${url}/storage/v1/b/staging/o/${encoded}`, { headers: AUTH });
    assert.equal(again.status, 404);

    const noBucket = await fetch(`${url}/storage/v1/b/other/o`, { headers: AUTH });
    assert.equal(noBucket.status, 404);
    const anonymous = await fetch(`${url}/storage/v1/b/staging/o`);
    assert.equal(anonymous.status, 401);
  } finally {
    await close();
  }
});
