import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { FaultProxy, startFaultProxy } from './fault-proxy';

describe('startFaultProxy', () => {
  let upstream: Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => res.end(`echo ${req.method} ${req.url} ${body}`));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((r) => upstream.close(r));
  });

  const post = (body: string) => fetch(`${proxy.url}/q?x=1`, { method: 'POST', body });

  it('forwards, fails with 500, refuses connections, and recovers on the same port', async () => {
    const ok = await post('a');
    expect(await ok.text()).toBe('echo POST /q?x=1 a');

    await proxy.setMode('error');
    const failed = await post('b');
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { __type: string }).__type).toContain('InternalError');

    await proxy.setMode('down');
    await expect(post('c')).rejects.toThrow();

    await proxy.setMode('pass');
    expect(await (await post('d')).text()).toBe('echo POST /q?x=1 d');
    expect(proxy.answered).toEqual({ forwarded: 2, failed: 1 });
  });
});
