import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { clientErrorHandler } from '../../src/http/clientError.js';
import express from 'express';
import supertest from 'supertest';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { errorHandler } from '../../src/http/errors.js';
import { requestIdMiddleware } from '../../src/http/requestId.js';

describe('http: error shapes, limits, health, OpenAPI', () => {
  let t: TestApp;
  let clerk: string;
  before(async () => {
    t = await startTestApp('errors');
    clerk = await t.key(['clerk']);
  });
  after(() => t.close());

  it('malformed JSON → 400 MALFORMED_JSON in Chinese, with the request id', async () => {
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).set('Content-Type', 'application/json').send('{"uscc": ');
    expect(res.status).to.equal(400);
    expectErrorShape(res.body);
    expect(res.body.error.code).to.equal('MALFORMED_JSON');
    expect(res.body.error.message).to.equal('请求体不是合法的 JSON');
    expect(res.body.error.requestId).to.equal(res.headers['x-request-id']);
  });

  it('unknown route → 404', async () => {
    const res = await t.request.get('/api/v1/nothing-here').set('X-API-Key', clerk);
    expect(res.status).to.equal(404);
    expectErrorShape(res.body);
    expect(res.body.error.message).to.match(/接口不存在/);
    const outside = await t.request.get('/not-api');
    expect(outside.status).to.equal(404);
    expectErrorShape(outside.body);
  });

  it('body over 1 MiB → 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).set('Content-Type', 'application/json').send(big);
    expect(res.status).to.equal(413);
    expectErrorShape(res.body);
    expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('no key / bad key → 401 in Chinese', async () => {
    const none = await t.request.get('/api/v1/enterprises');
    expect(none.status).to.equal(401);
    expectErrorShape(none.body);
    expect(none.body.error.message).to.match(/凭据/);
    const bad = await t.request.get('/api/v1/enterprises').set('X-API-Key', 'csk_wrong');
    expect(bad.status).to.equal(401);
    expect(bad.body.error.message).to.equal('API 密钥无效');
  });

  it('anything unexpected → 500 without a stack trace in the body', async () => {
    const app = express();
    app.use(requestIdMiddleware);
    app.get('/boom', () => {
      throw new Error('secret internal detail at /src/x.ts:12');
    });
    app.use(errorHandler);
    const res = await supertest(app).get('/boom');
    expect(res.status).to.equal(500);
    expectErrorShape(res.body);
    expect(res.body.error.message).to.equal('服务器内部错误');
    expect(JSON.stringify(res.body)).not.to.match(/secret|\.ts|at /);
  });

  it('a body on a JSON route that is not JSON → 400 listing the body', async () => {
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).set('Content-Type', 'text/plain').send('hello');
    expect(res.status).to.equal(400);
    expectErrorShape(res.body);
  });

  it('healthz and readyz answer 200 while the database is up', async () => {
    expect((await t.request.get('/healthz')).status).to.equal(200);
    const ready = await t.request.get('/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body.status).to.equal('ready');
  });

  it('keeps a sane incoming X-Request-Id and replaces an unsafe one', async () => {
    const ok = await t.request.get('/healthz').set('X-Request-Id', 'abc-12345678');
    expect(ok.headers['x-request-id']).to.equal('abc-12345678');
    const bad = await t.request.get('/healthz').set('X-Request-Id', 'a b <script>');
    expect(bad.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });

  it('a raw non-ASCII URL (curl without --url-query) answers 400 with the error shape and how to encode it', async () => {
    const server = createServer(t.app).on('clientError', clientErrorHandler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from('POST /api/v1/imports?kind=penalties&fileName=处罚.csv HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 'utf8')));
        let got = '';
        socket.on('data', (d) => (got += d.toString('utf8'))).on('end', () => resolve(got)).on('error', reject);
      });
      expect(raw).to.match(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
      expect(body.error.code).to.equal('BAD_REQUEST');
      expect(body.error.message).to.include('百分号编码').and.include('--url-query');
      // The README's command, percent-encoded as curl --url-query sends it, reaches the API (401: no key given).
      const encoded = await t.request.post(`/api/v1/imports?kind=penalties&fileName=${encodeURIComponent('处罚.csv')}`).set('Content-Type', 'text/csv').send('x');
      expect(encoded.status).to.equal(401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('serves the OpenAPI document from the joi schemas, without a key, and Swagger UI at /docs', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.match(/^3\./);
    const post = res.body.paths['/api/v1/enterprises'].post;
    expect(post.requestBody.content['application/json'].schema.properties).to.have.property('uscc');
    expect(post.requestBody.content['application/json'].schema.required).to.include('name');
    expect(res.body.paths['/api/v1/enterprises/{uscc}'].patch).to.be.an('object');
    // The document passes an OpenAPI 3.0 validator, and every pattern is a bare ECMAScript regex (no /…/flags delimiters).
    const result = await new Validator().validate(JSON.parse(JSON.stringify(res.body)));
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    const patterns: string[] = [];
    JSON.stringify(res.body, (k, v) => (k === 'pattern' && typeof v === 'string' && patterns.push(v), v));
    expect(patterns.length).to.be.greaterThan(5);
    for (const p of patterns) {
      expect(p, p).not.to.match(/\/[a-z]*$/);
      expect(() => new RegExp(p, 'u'), p).not.to.throw();
    }
    const industry = res.body.paths['/api/v1/enterprises'].get.parameters.find((x: { name: string }) => x.name === 'industry');
    expect(new RegExp(industry.schema.pattern, 'u').test('C2')).to.equal(true);
    const docs = await t.request.get('/docs/');
    expect(docs.status).to.equal(200);
    expect(docs.text).to.match(/swagger/i);
  });
});
