// frugal serve's dashboard: three views over the server's JSON API (the same figures the CLI
// prints). The page is read-only: it only GETs.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';

const usd = (v) => (v == null ? '-' : '$' + v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const perMillion = (v) => (v == null ? '-' : '$' + v.toFixed(3));  // as `frugal advise` prints it
const pct = (v) => (v == null ? '-' : (v * 100).toFixed(0) + '%');
const gib = (v) => (v == null ? '-' : (v / 2 ** 30).toFixed(1) + ' GiB');
const $ = (sel) => document.querySelector(sel);

// Beyond loopback the API needs the server's token: open the page once as /?token=..., it is kept
// for this tab (sessionStorage) and taken out of the address bar.
const params = new URLSearchParams(location.search);
if (params.has('token')) {
  sessionStorage.setItem('frugal-token', params.get('token'));
  params.delete('token');
  history.replaceState(null, '', location.pathname + (params.toString() ? '?' + params : '') + location.hash);
}
const token = sessionStorage.getItem('frugal-token');

async function getJson(path) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(path, { headers });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${path}: HTTP ${r.status}`);
  return body;
}

function fillTable(sel, rows, cells, rowClass) {
  const tbody = $(`${sel} tbody`);
  tbody.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    if (rowClass) tr.className = rowClass(row) || '';
    for (const [text, numeric] of cells(row)) {
      const td = document.createElement('td');
      td.textContent = text;
      if (numeric) td.className = 'num';
      tr.append(td);
    }
    return tr;
  }));
}

let utilPlot = null;
function drawUtilisation(history) {
  const el = $('#util-chart');
  const series = history.series || [];
  if (!series.length) { el.textContent = 'no samples yet'; utilPlot = null; return; }
  // One time axis: the union of the series' timestamps; a series without a sample there is null.
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const data = [times, ...series.map((s) => {
    const m = new Map(s.points.map((p) => [p[0], p[1] * 100]));
    return times.map((t) => (m.has(t) ? m.get(t) : null));
  })];
  const palette = ['#2f6fde', '#e8590c', '#2b8a3e', '#9c36b5', '#c92a2a', '#1098ad', '#5c940d', '#862e9c'];
  const opts = {
    width: 900, height: 260,
    scales: { y: { range: [0, 100] } },
    axes: [{}, { label: 'utilisation %' }],
    series: [{}, ...series.map((s, i) => ({ label: s.key, stroke: palette[i % palette.length], spanGaps: true }))],
  };
  if (utilPlot && utilPlot.series.length === data.length) utilPlot.setData(data);
  else { el.replaceChildren(); utilPlot = new uPlot(opts, data, el); }
}

async function refreshFleet() {
  const [fleet, history] = await Promise.all([getJson('/api/v1/fleet'), getJson('/api/v1/fleet/history')]);
  const t = fleet.totals;
  $('[data-testid=total-gpus]').textContent = t.gpus;
  $('[data-testid=idle-gpus]').textContent = t.idle_gpus;
  $('[data-testid=spend-per-hour]').textContent = usd(t.dollars_per_hour);
  $('[data-testid=idle-per-hour]').textContent = usd(t.idle_dollars_per_hour);
  $('[data-testid=idle-dollars]').textContent = usd(t.idle_cost_dollars);
  const gpus = fleet.agents.flatMap((a) => a.gpus);
  fillTable('[data-testid=gpu-table]', gpus, (g) => [
    [g.agent], [String(g.index), true], [g.name], [pct(g.utilization), true],
    [`${gib(g.memory_used_bytes)} / ${gib(g.memory_total_bytes)}`, true], [usd(g.dollars_per_hour), true],
    [usd(g.idle_cost_dollars), true], [g.idle ? 'IDLE' : 'busy'],
  ], (g) => (g.idle ? 'idle' : ''));
  fillTable('[data-testid=workload-table]', fleet.workloads, (w) => [
    [w.workload], [w.agent], [pct(w.utilization), true], [usd(w.cost_dollars), true], [usd(w.idle_cost_dollars), true],
  ]);
  $('[data-testid=agent-errors]').textContent = fleet.agents.filter((a) => !a.ok).map((a) => `${a.url}: ${a.error}`).join('; ');
  $('#updated').textContent = 'updated ' + new Date(fleet.updated * 1000).toLocaleTimeString();
  drawUtilisation(history);
}

let billLoaded = false;
async function loadBill() {
  if (billLoaded) return;
  const bill = await getJson('/api/v1/bill');
  billLoaded = true;
  if (!bill.available) { $('[data-testid=bill-source]').textContent = bill.reason; return; }
  $('[data-testid=bill-source]').textContent = `from ${bill.source}, ${bill.days.length} days`;
  $('[data-testid=bill-total]').textContent = usd(bill.total);
  $('[data-testid=bill-daily]').textContent = usd(bill.daily_average);
  $('[data-testid=bill-anomaly-count]').textContent = bill.anomalies.length;
  fillTable('[data-testid=anomaly-table]', bill.anomalies, (a) => [
    [a.date], [a.scope], [usd(a.actual), true], [usd(a.expected), true], [usd(a.impact), true],
  ]);
  fillTable('[data-testid=type-table]', bill.by_type, (r) => [[r.instance_type], [usd(r.cost), true]]);
  const times = bill.days.map((d) => Date.parse(d.date + 'T00:00:00Z') / 1000);
  new uPlot({
    width: 900, height: 260, axes: [{}, { label: '$ per day' }],
    series: [{}, { label: 'GPU spend', stroke: '#2f6fde', fill: '#2f6fde22' }, { label: '7-day average', stroke: '#e8590c' }],
  }, [times, bill.days.map((d) => d.cost), bill.days.map((d) => d.moving_average_7d)], $('#bill-chart'));
}

async function advise(event) {
  event.preventDefault();
  const form = new FormData($('#advise-form'));
  const q = new URLSearchParams();
  for (const [k, v] of form.entries()) if (v !== '') q.set(k, v);
  const status = $('[data-testid=advise-status]');
  const accuracy = $('[data-testid=advise-accuracy]');
  status.textContent = 'searching...';
  accuracy.textContent = '';
  try {
    const a = await getJson('/api/v1/advise?' + q);
    fillTable('[data-testid=advise-table]', a.ranked, (c) => [
      [String(c.rank), true], [c.instance], [c.region], [c.purchase], [c.precision], [String(c.tp), true],
      [String(c.instances), true], [usd(c.cost_per_hour), true], [perMillion(c.cost_per_million_tokens), true],
    ]);
    status.textContent = `${a.configurations_evaluated} configurations evaluated for ${a.workload.model}; cheapest first`;
    // How far the model has been off for the top choice's hardware and stack, with any caution.
    if (a.accuracy) accuracy.textContent = "Top choice's " + a.accuracy.text;
  } catch (e) {
    status.textContent = e.message;
  }
}

function show(view) {
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== `view-${view}`;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === view);
  if (view === 'bill') loadBill().catch((e) => { $('[data-testid=bill-source]').textContent = e.message; });
}

window.addEventListener('hashchange', () => show(location.hash.slice(1) || 'fleet'));
$('#advise-form').addEventListener('submit', advise);
show(location.hash.slice(1) || 'fleet');
const tick = () => refreshFleet().catch((e) => { $('[data-testid=agent-errors]').textContent = e.message; });
tick();
setInterval(tick, 5000);
