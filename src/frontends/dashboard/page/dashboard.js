// Nereid dashboard page script: subscribes to /dashboard/events (server-sent events), keeps five
// minutes of figures per model version, and renders the models table and the charts. Every text
// that comes from the server is set with textContent, never parsed as HTML. The EventSource
// reconnects by itself when the stream ends (server restart); a refused stream (503) is retried.

/** Points kept per series: five minutes at one frame a second. */
const HISTORY = 300;
/** Delay before opening a new stream after the browser gave up on one, in ms. */
const RETRY_MS = 3000;

const state = {
  /** Rows of the models table, as the last models event sent them. */
  rows: [],
  /** Per `name/version`: arrays of figures, oldest first. */
  history: new Map(),
  /** Server-wide figures, oldest first. */
  serverHistory: [],
  /** Key of the model version the charts show, or ''. */
  selected: '',
  sortKey: 'name',
  sortAscending: true,
  filter: '',
  /** Frames received and streams opened (read by the end-to-end test). */
  frames: 0,
  connects: 0,
};
window.dashboardState = state;

const $ = (id) => document.getElementById(id);
const keyOf = (name, version) => `${name}/${version}`;

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

const PALETTE = ['#4e79a7', '#e15759', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948'];

function lineChart(id, series, options = {}) {
  return new Chart($(id), {
    type: 'line',
    data: {
      labels: [],
      datasets: series.map((label, i) => ({
        label,
        data: [],
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: `${PALETTE[i % PALETTE.length]}55`,
        borderWidth: 1.5,
        pointRadius: 0,
        spanGaps: true,
        fill: options.stacked === true,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 6, maxRotation: 0 } },
        y: { beginAtZero: true, stacked: options.stacked === true, max: options.max },
      },
      plugins: { legend: { labels: { boxWidth: 12 } } },
    },
  });
}

function applyTheme() {
  Chart.defaults.color = cssVar('--muted');
  Chart.defaults.borderColor = cssVar('--line');
}

let charts = null;

function createCharts() {
  applyTheme();
  charts = {
    serverCpu: lineChart('chart-server-cpu', ['CPU (cores)', 'Event-loop delay p99 (ms)']),
    serverMemory: lineChart('chart-server-memory', ['RSS', 'JS heap']),
    throughput: lineChart('chart-throughput', ['Success/s', 'Failures/s', 'Inferences/s']),
    latency: lineChart('chart-latency', ['Average', 'p50', 'p99']),
    split: lineChart('chart-split', ['Queue', 'Compute input', 'Compute infer', 'Compute output'], {
      stacked: true,
    }),
    batches: new Chart($('chart-batches'), {
      type: 'bar',
      data: { labels: [], datasets: [{ label: 'Executions', data: [], backgroundColor: PALETTE[0] }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: 'Batch size' } }, y: { beginAtZero: true } },
        plugins: { legend: { display: false } },
      },
    }),
    busy: lineChart('chart-busy', ['Instance busy', 'Cache hit ratio'], { max: 100 }),
    llm: lineChart('chart-llm', ['Tokens/s', 'Running sequences', 'Waiting sequences']),
    llmLatency: lineChart('chart-llm-latency', ['Time to first token', 'Inter-token latency']),
  };
}

function timeLabel(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

function push(list, item) {
  list.push(item);
  if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
}

function setSeries(chart, labels, columns) {
  chart.data.labels = labels;
  columns.forEach((data, i) => {
    chart.data.datasets[i].data = data;
  });
  chart.update('none');
}

function formatBytes(n) {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

function renderServer() {
  const h = state.serverHistory;
  const last = h[h.length - 1];
  if (last === undefined) return;
  $('fig-cpu').textContent = `${last.cpuCores.toFixed(2)} of ${last.cores} cores`;
  $('fig-rss').textContent = formatBytes(last.rssBytes);
  $('fig-heap').textContent = formatBytes(last.heapUsedBytes);
  $('fig-loop').textContent = `${last.eventLoopDelayMs.p99.toFixed(1)} ms`;
  $('fig-connections').textContent = String(last.connections);
  $('fig-inflight').textContent = String(last.inflight);
  const labels = h.map((s) => timeLabel(s.timeMs));
  setSeries(charts.serverCpu, labels, [h.map((s) => s.cpuCores), h.map((s) => s.eventLoopDelayMs.p99)]);
  setSeries(charts.serverMemory, labels, [
    h.map((s) => s.rssBytes / 1024 ** 2),
    h.map((s) => s.heapUsedBytes / 1024 ** 2),
  ]);
}

const ms = (us) => (us === null ? null : us / 1000);
const percent = (f) => (f === null ? null : f * 100);

function renderModelCharts() {
  const h = state.history.get(state.selected) ?? [];
  const labels = h.map((p) => timeLabel(p.timeMs));
  setSeries(charts.throughput, labels, [
    h.map((p) => p.m.successPerS),
    h.map((p) => p.m.failuresPerS),
    h.map((p) => p.m.inferencesPerS),
  ]);
  setSeries(charts.latency, labels, [
    h.map((p) => ms(p.m.latencyAvgUs)),
    h.map((p) => ms(p.m.latencyP50Us)),
    h.map((p) => ms(p.m.latencyP99Us)),
  ]);
  setSeries(charts.split, labels, [
    h.map((p) => p.m.queueUs),
    h.map((p) => p.m.computeInputUs),
    h.map((p) => p.m.computeInferUs),
    h.map((p) => p.m.computeOutputUs),
  ]);
  const counts = new Map();
  for (const p of h) for (const [size, n] of p.m.batches) counts.set(size, (counts.get(size) ?? 0) + n);
  const sizes = [...counts.keys()].sort((a, b) => a - b);
  setSeries(charts.batches, sizes.map(String), [sizes.map((s) => counts.get(s))]);
  setSeries(charts.busy, labels, [
    h.map((p) => percent(p.m.busyFraction)),
    h.map((p) => percent(p.m.cacheHitRatio)),
  ]);
  const llm = h.some((p) => p.m.llm !== undefined);
  $('llm-figure').hidden = !llm;
  $('llm-latency-figure').hidden = !llm;
  if (llm) {
    setSeries(charts.llm, labels, [
      h.map((p) => p.m.llm?.tokensPerS ?? null),
      h.map((p) => p.m.llm?.runningSequences ?? null),
      h.map((p) => p.m.llm?.waitingSequences ?? null),
    ]);
    setSeries(charts.llmLatency, labels, [
      h.map((p) => p.m.llm?.timeToFirstTokenMs ?? null),
      h.map((p) => p.m.llm?.interTokenLatencyMs ?? null),
    ]);
  }
}

function batchingText(b) {
  if (b === null) return '–';
  if (b.kind === 'dynamic') {
    const preferred =
      b.preferredBatchSizes.length > 0 ? `, preferred ${b.preferredBatchSizes.join('/')}` : '';
    return `dynamic, max ${b.maxBatchSize}, delay ${b.maxQueueDelayUs} µs${preferred}`;
  }
  if (b.kind === 'none') return b.maxBatchSize > 0 ? `none (max ${b.maxBatchSize})` : 'none';
  return `${b.kind}, max ${b.maxBatchSize}`;
}

function backendText(r) {
  if (r.backend === null) return '–';
  return [r.backend, r.platform].filter((s) => s !== '').join(' / ') || '–';
}

function sortValue(r, key) {
  switch (key) {
    case 'version':
      return Number(r.version || -1);
    case 'instances':
      return r.instances ?? -1;
    case 'backend':
      return backendText(r);
    case 'batching':
      return batchingText(r.batching);
    case 'cache':
      return r.cache === null ? -1 : Number(r.cache);
    default:
      return String(r[key]);
  }
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className !== undefined) td.className = className;
  tr.append(td);
  return td;
}

function renderTable() {
  const needle = state.filter.toLowerCase();
  const rows = state.rows.filter((r) =>
    [r.name, r.state, r.reason, backendText(r)].some((t) => t.toLowerCase().includes(needle)),
  );
  const dir = state.sortAscending ? 1 : -1;
  rows.sort((a, b) => {
    const x = sortValue(a, state.sortKey);
    const y = sortValue(b, state.sortKey);
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a.name.localeCompare(b.name);
  });
  const body = document.createElement('tbody');
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.key = keyOf(r.name, r.version);
    tr.setAttribute('aria-selected', String(tr.dataset.key === state.selected));
    cell(tr, r.name, 'name');
    cell(tr, r.version || '–');
    const td = cell(tr, '', 'state-cell');
    const badge = document.createElement('span');
    badge.className = `state state-${r.state}`;
    badge.textContent = r.state;
    td.append(badge);
    if (r.reason !== '') {
      const reason = document.createElement('span');
      reason.className = 'reason';
      reason.textContent = r.reason;
      td.append(reason);
    }
    cell(tr, backendText(r));
    cell(tr, r.instances === null ? '–' : String(r.instances));
    cell(tr, batchingText(r.batching));
    cell(tr, r.cache === null ? '–' : r.cache ? 'on' : 'off');
    body.append(tr);
  }
  $('models').tBodies[0].replaceWith(body);
  for (const th of document.querySelectorAll('#models th')) {
    const key = th.firstElementChild.dataset.sort;
    if (key === state.sortKey) th.setAttribute('aria-sort', state.sortAscending ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
  }
}

function renderSelect() {
  const select = $('model-select');
  const keys = state.rows.filter((r) => r.version !== '').map((r) => keyOf(r.name, r.version));
  if (!keys.includes(state.selected)) state.selected = keys[0] ?? '';
  select.replaceChildren(
    ...keys.map((k) => {
      const option = document.createElement('option');
      option.value = k;
      option.textContent = k;
      return option;
    }),
  );
  select.value = state.selected;
}

function select(key) {
  state.selected = key;
  $('model-select').value = key;
  for (const tr of $('models').tBodies[0].rows)
    tr.setAttribute('aria-selected', String(tr.dataset.key === key));
  renderModelCharts();
}

function onModels(event) {
  const data = JSON.parse(event.data);
  $('server-name').textContent = `${data.serverId} ${data.serverVersion}`;
  state.rows = data.models;
  renderSelect();
  renderTable();
  renderModelCharts();
}

function onFrame(event) {
  const frame = JSON.parse(event.data);
  state.frames++;
  push(state.serverHistory, frame.server);
  for (const m of frame.models) {
    const key = keyOf(m.name, m.version);
    let list = state.history.get(key);
    if (list === undefined) {
      list = [];
      state.history.set(key, list);
    }
    push(list, { timeMs: frame.server.timeMs, m });
  }
  renderServer();
  renderModelCharts();
}

function setStatus(name, text) {
  const status = $('status');
  status.dataset.state = name;
  status.textContent = text;
}

function connect() {
  const source = new EventSource('events');
  source.addEventListener('open', () => {
    state.connects++;
    setStatus('live', 'Live');
  });
  source.addEventListener('models', onModels);
  source.addEventListener('frame', onFrame);
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (503 at its bound, 403 restricted): the browser will not retry.
      setStatus('reconnecting', `Disconnected: retrying in ${RETRY_MS / 1000} s`);
      setTimeout(connect, RETRY_MS);
    } else {
      setStatus('reconnecting', 'Reconnecting…');
    }
  });
}

function init() {
  createCharts();
  $('model-filter').addEventListener('input', (e) => {
    state.filter = e.target.value;
    renderTable();
  });
  $('model-select').addEventListener('change', (e) => select(e.target.value));
  $('models').addEventListener('click', (e) => {
    const sort = e.target.closest('button[data-sort]');
    if (sort !== null) {
      const key = sort.dataset.sort;
      state.sortAscending = state.sortKey === key ? !state.sortAscending : true;
      state.sortKey = key;
      renderTable();
      return;
    }
    const tr = e.target.closest('tbody tr');
    if (tr !== null && !tr.dataset.key.endsWith('/')) select(tr.dataset.key);
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    applyTheme();
    for (const chart of Object.values(charts)) chart.update('none');
  });
  connect();
}

init();
