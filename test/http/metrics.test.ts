import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { penaltyBody } from '../support/fixtures.js';

/** GET /api/v1/metrics: Prometheus text for administrators — requests and latency per route, delivery states, queue age. */
describe('metrics: Prometheus text for operators', () => {
  let t: TestApp;
  let admin: string;
  let clerk: string;

  before(async () => {
    t = await startTestApp('metrics', { rateLimit: { perMinute: 0, ipPerMinute: 0 } });
    admin = await t.key(['admin']);
    clerk = await t.key(['clerk']);
  });
  after(async () => t.close());

  const metrics = async () => {
    const res = await t.request.get('/api/v1/metrics').set('X-API-Key', admin);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('counts requests per route pattern and status, with a latency histogram', async () => {
    const created = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(81_001));
    expect(created.status).to.equal(201);
    for (let i = 0; i < 3; i++) expect((await t.request.get(`/api/v1/penalties/${created.body.id}`).set('X-API-Key', clerk)).status).to.equal(200);
    expect((await t.request.get('/api/v1/penalties/000000000000000000000000').set('X-API-Key', clerk)).status).to.equal(404);
    const text = await metrics();
    expect(value(text, 'http_requests_total{method="GET",route="/penalties/:id",status="200"}')).to.be.at.least(3);
    expect(value(text, 'http_requests_total{method="GET",route="/penalties/:id",status="404"}')).to.be.at.least(1);
    expect(value(text, 'http_requests_total{method="POST",route="/penalties",status="201"}')).to.be.at.least(1);
    const count = value(text, 'http_request_duration_seconds_count{method="GET",route="/penalties/:id"}')!;
    expect(count).to.be.at.least(4);
    expect(value(text, 'http_request_duration_seconds_bucket{method="GET",route="/penalties/:id",le="+Inf"}')).to.equal(count);
    // Ids never become labels.
    expect(text).to.not.include(created.body.id);
  });

  it('shows delivery states per platform and the age of the oldest waiting version', async () => {
    const text = await metrics();
    // No platform is configured in tests: the new record waits in both queues.
    for (const platform of ['municipal', 'national']) {
      expect(value(text, `delivery_records{platform="${platform}",state="pending"}`)).to.be.at.least(1);
      expect(value(text, `delivery_records{platform="${platform}",state="delivered"}`)).to.equal(0);
      expect(value(text, `delivery_queue_oldest_age_seconds{platform="${platform}"}`)).to.be.a('number').and.at.least(0);
    }
  });

  it('is for administrators only (401 without a key, 403 for a clerk)', async () => {
    const anon = await t.request.get('/api/v1/metrics');
    expect(anon.status).to.equal(401);
    expectErrorShape(anon.body);
    const res = await t.request.get('/api/v1/metrics').set('X-API-Key', clerk);
    expect(res.status).to.equal(403);
    expectErrorShape(res.body);
  });
});
