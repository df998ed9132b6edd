/**
 * The report page's own script (runs in the browser, after the inlined uPlot): draws each chart from the
 * embedded JSON, shades the phases, marks the trigger, the race, violations and operators' actions.
 *
 * Kept as plain ES5-style text rather than compiled from TypeScript: the tools that compile src/ (tsx, esbuild)
 * may inject helpers into a function's source, which would not exist in the page. No template literals here,
 * so the TypeScript string stays a verbatim copy.
 *
 * It exposes window.cascadesimCharts ([{id, title, plot}]) so a test, or a curious reader in the console, can
 * inspect what was drawn.
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw, so a regex or escape added to the client code reaches the browser as written
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cascadesim-data').textContent);
  var KIND = {
    trigger: { color: '#b00020', name: 'trigger' },
    race: { color: '#6a1b9a', name: 'race' },
    violation: { color: '#c2185b', name: 'violation' },
    restored: { color: '#2e7d32', name: 'restored' },
    action: { color: '#1a4f8b', name: 'operators' }
  };
  var PHASE_FILL = {
    before: 'rgba(0, 158, 115, 0.07)',
    outage: 'rgba(213, 94, 0, 0.10)',
    recovery: 'rgba(230, 159, 0, 0.09)',
    after: 'rgba(0, 114, 178, 0.07)'
  };
  var OTHER_FILLS = ['rgba(120, 120, 120, 0.07)', 'rgba(120, 120, 120, 0.13)'];

  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function fmtX(s) {
    if (s == null) return '-';
    if (data.clock) {
      var d = new Date(data.clock.originMs + s * 1000 + data.clock.offsetMin * 60000);
      return pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes());
    }
    var neg = s < 0 ? '-' : '';
    var a = Math.abs(Math.round(s));
    var h = Math.floor(a / 3600);
    var m = Math.floor((a % 3600) / 60);
    return neg + h + ':' + pad2(m) + ':' + pad2(a % 60);
  }
  function fmtY(v) {
    if (v == null) return '';
    var a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toPrecision(3) + 'G';
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
    if (a >= 1e4) return +(v / 1e3).toPrecision(3) + 'k';
    if (a === 0) return '0';
    return String(+v.toPrecision(3));
  }

  function shadePhases(u) {
    var ctx = u.ctx, b = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.left, b.top, b.width, b.height);
    ctx.clip();
    var px = uPlot.pxRatio;
    var base = data.phases.filter(function (p) { return p.run === 0; });
    data.phases.forEach(function (p, i) {
      var same = p.run !== 0 && base.some(function (q) { return q.name === p.name && q.fromS === p.fromS && q.toS === p.toS; });
      if (same) return;
      var x0 = Math.max(b.left, u.valToPos(p.fromS, 'x', true));
      var x1 = Math.min(b.left + b.width, u.valToPos(p.toS, 'x', true));
      if (x1 <= x0) return;
      // Run B's phases, when they differ from A's, get a strip along the bottom instead of the full height.
      var top = p.run === 0 ? b.top : b.top + b.height * 0.9;
      var h = p.run === 0 ? b.height : b.height * 0.1;
      ctx.fillStyle = PHASE_FILL[p.name] || OTHER_FILLS[i % 2];
      ctx.fillRect(x0, top, x1 - x0, h);
      ctx.fillStyle = 'rgba(60, 60, 60, 0.75)';
      ctx.font = (10 * px) + 'px sans-serif';
      // uPlot leaves the alignment of its last axis label on the shared context.
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      var name = (data.runs.length > 1 ? data.runs[p.run] + ': ' : '') + p.name;
      if (x1 - x0 > ctx.measureText(name).width + 6 * px) ctx.fillText(name, x0 + 3 * px, top + h - 3 * px);
    });
    ctx.restore();
  }

  function drawMarkers(u) {
    var ctx = u.ctx, b = u.bbox;
    var px = uPlot.pxRatio;
    var rows = [];
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.left, b.top, b.width, b.height);
    ctx.clip();
    ctx.font = (10 * px) + 'px sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    data.markers.forEach(function (m) {
      var x = u.valToPos(m.atS, 'x', true);
      if (x < b.left - 1 || x > b.left + b.width + 1) return;
      var k = KIND[m.kind] || KIND.action;
      ctx.strokeStyle = k.color;
      ctx.lineWidth = (m.kind === 'trigger' || m.kind === 'race' ? 1.5 : 1) * px;
      ctx.setLineDash(m.run === 0 ? [5 * px, 3 * px] : [1 * px, 3 * px]);
      ctx.beginPath();
      ctx.moveTo(x, b.top);
      ctx.lineTo(x, b.top + b.height);
      ctx.stroke();
      // Labels stack in rows so that markers a few seconds apart stay readable.
      var text = (data.runs.length > 1 ? data.runs[m.run] + ': ' : '') + m.label;
      var w = ctx.measureText(text).width;
      var tx = x + 3 * px;
      if (tx + w > b.left + b.width) tx = x - 3 * px - w;
      var row = 0;
      while (row < rows.length && rows[row] > tx - 4 * px) row++;
      if (row >= 8) return;
      rows[row] = tx + w;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.6)';
      ctx.fillRect(tx - 1, b.top + 2 * px + row * 12 * px, w + 2, 11 * px);
      ctx.fillStyle = k.color;
      ctx.fillText(text, tx, b.top + 2 * px + row * 12 * px);
    });
    ctx.restore();
  }

  // Tick steps a reader can add up: seconds, minutes, quarter and half hours, hours.
  var TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  var charts = [];
  data.charts.forEach(function (spec) {
    var el = document.getElementById('chart-' + spec.id);
    if (!el) return;
    var width = Math.max(480, el.clientWidth || 960);
    var series = [{ label: data.clock ? 'time' : 'elapsed', value: function (u, v) { return fmtX(v); } }];
    spec.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash || undefined,
        spanGaps: true,
        points: { show: false },
        value: function (u, v) { return v == null ? '-' : fmtY(v); }
      });
    });
    var opts = {
      width: width,
      height: 280,
      title: spec.title,
      scales: { x: { time: false }, y: spec.log ? { distr: 3 } : { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.08 : 1]; } } },
      axes: [
        { incrs: TIME_INCRS, space: 60, values: function (u, ticks) { return ticks.map(fmtX); } },
        { label: spec.yLabel, size: 64, values: function (u, ticks) { return ticks.map(fmtY); } }
      ],
      series: series,
      legend: { live: true },
      hooks: { drawClear: [shadePhases], draw: [drawMarkers] }
    };
    // Empty points at the start and the end of the run make the x axis span the whole run (uPlot fits the axis
    // to the data, and the first window's point sits at its middle); nulls draw nothing.
    var xs = spec.x.slice();
    var vals = spec.series.map(function (s) { return s.values.slice(); });
    if (xs.length === 0 || xs[0] > data.xRangeS[0]) { xs.unshift(data.xRangeS[0]); vals.forEach(function (v) { v.unshift(null); }); }
    if (xs[xs.length - 1] < data.xRangeS[1]) { xs.push(data.xRangeS[1]); vals.forEach(function (v) { v.push(null); }); }
    var plotData = [xs].concat(vals);
    var plot = new uPlot(opts, plotData, el);
    charts.push({ id: spec.id, title: spec.title, plot: plot });
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) {
      var el = document.getElementById('chart-' + c.id);
      var w = Math.max(480, el.clientWidth || 960);
      if (Math.abs(w - c.plot.width) > 4) c.plot.setSize({ width: w, height: 280 });
    });
  });
  window.cascadesimCharts = charts;
})();
`;
