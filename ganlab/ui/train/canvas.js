// The Train tab's live view drawn in the browser (ganlab/ui/train/canvas.py): long-polls /train/frame with
// the run's token (props.value) while the tab is on screen, keeps the curves' columns (only new points come)
// and the fakes' last positions (trails), and draws the 2D view and the curves on two canvases. Drawing only:
// every number comes from the server (ganlab.train.layers_2d). Nothing is fetched from anywhere else.
const frameUrl = new URL('train/frame', document.baseURI);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const onScreen = () => {  // the Train tab is shown (this canvas itself may be hidden: the pictures are shown)
  const main = document.getElementById('train-main');
  return !document.hidden && !!main && main.getClientRects().length > 0;
};
const REAL = 'rgb(30,140,60)', FAKE = 'rgb(110,40,170)', MESH = 'rgb(60,60,60)', ARROW = 'rgb(200,90,0)';
const TRAIL = 'rgb(150,110,190)', EDGE = 'rgb(200,30,30)', D_COLOR = '#d62828', G_COLOR = '#1d4ed8';
const LINE_REAL = '#2d8f4e', LINE_FAKE = '#7b2cbf', MARK = '#b45309', ALARM = '#b91c1c';
const WHITE = [255, 255, 255], FAKE_CELL = [200, 170, 230], REAL_CELL = [170, 225, 180];
const ARROW_PX = 20, BASE = 420, BLOWN_UP = 1e3;  // one ruler bar at the server's 420 px picture; as plots.py
const COLUMNS = [['d_loss', 'D loss', D_COLOR, 0], ['g_loss', 'G loss', G_COLOR, 0],
                 ['d_real', 'D(x): real', LINE_REAL, 1], ['d_fake', 'D(G(z)): fake', LINE_FAKE, 1]];
let run = fresh(null);
let hover = null;  // the curves' step under the mouse

function fresh(token) {
  return {token, version: -1, cols: {}, colsB: null, real: null, trails: [[], []], frame: null, heat: null,
          heatKey: null};
}
function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}
function show(browser) {
  const main = document.getElementById('train-main');
  if (main) main.dataset.drawn = browser ? 'browser' : 'server';
}
function sized(canvas) {  // the canvas's backing store at its on-screen size × the device's pixel ratio
  const r = window.devicePixelRatio || 1, w = Math.max(1, Math.round(canvas.clientWidth * r));
  const h = Math.max(1, Math.round(canvas.clientHeight * r));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  return [ctx, w, h, r];
}

// -- the 2D view -------------------------------------------------------------------------------------
function heatImage(h) {  // D's map as a grid × grid image (row 0 at the top), made once per frame
  const key = h.levels;
  if (run.heatKey === key) return run.heat;
  const [rows, cols] = h.size, bytes = atob(h.levels), img = new ImageData(cols, rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const s = bytes.charCodeAt(i * cols + j) / 255, o = ((rows - 1 - i) * cols + j) * 4;
      const to = s < 0.5 ? FAKE_CELL : REAL_CELL, t = s < 0.5 ? (0.5 - s) * 2 : (s - 0.5) * 2;
      for (let c = 0; c < 3; c++) img.data[o + c] = Math.floor(WHITE[c] + (to[c] - WHITE[c]) * t);
      img.data[o + 3] = 255;
    }
  }
  const off = document.createElement('canvas');
  off.width = cols; off.height = rows;
  off.getContext('2d').putImageData(img, 0, 0);
  run.heat = off; run.heatKey = key;
  return off;
}
function dots(ctx, points, px, half, color, size) {
  ctx.fillStyle = color;
  for (const p of points) {
    if (!p || p[0] === null || p[1] === null) continue;
    const [x, y] = px(p);
    if (x >= 0 && y >= 0 && x <= size && y <= size) ctx.fillRect(x - half, y - half, 2 * half + 1, 2 * half + 1);
  }
}
function polyline(ctx, pts, px) {
  ctx.beginPath();
  pts.forEach((p, i) => { const [x, y] = px(p); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
  ctx.stroke();
}
// G's manifold: each grid segment fades as G stretches it (GAN Lab shades stretched cells lighter), so the
// rows G pulls across an empty middle do not draw dark chords over the picture.
function mesh(ctx, m, px) {
  const lines = [...m, ...(m.length > 1 ? (m[0] || []).map((_, j) => m.map((row) => row[j])) : [])];
  const segs = [];
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      const [x0, y0] = px(line[i - 1]), [x1, y1] = px(line[i]);
      segs.push([x0, y0, x1, y1, Math.hypot(x1 - x0, y1 - y0)]);
    }
  }
  if (!segs.length) return;
  const typical = segs.map((s) => s[4]).sort((a, b) => a - b)[Math.floor(segs.length / 2)] || 1;
  for (const [x0, y0, x1, y1, len] of segs) {
    ctx.globalAlpha = Math.max(0.06, Math.min(1, (2 * typical) / Math.max(len, 1e-6)) ** 2);
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
  }
  ctx.globalAlpha = 1;
}
function triangle(ctx, tip, u, back, side, fill, outline) {
  const bx = tip[0] - back * u[0], by = tip[1] - back * u[1];
  ctx.beginPath();
  ctx.moveTo(tip[0], tip[1]);
  ctx.lineTo(bx - side * u[1], by + side * u[0]);
  ctx.lineTo(bx + side * u[1], by - side * u[0]);
  ctx.closePath();
  ctx.fillStyle = fill; ctx.fill(); ctx.strokeStyle = outline; ctx.lineWidth = 1; ctx.stroke();
}
function arrows(ctx, view, px, size, k) {
  const a = view.arrows, fakes = view.fakes;
  ctx.strokeStyle = ARROW; ctx.lineWidth = 2 * k;
  a.unit.forEach((u, i) => {
    const f = fakes[i * a.every];
    if (!f || f[0] === null || f[1] === null) return;
    const s = px(f), n = a.bars[i] * ARROW_PX * k, d = [u[0], -u[1]];  // the page's y grows downwards
    if (n < 1.5 * k || s[0] < 0 || s[1] < 0 || s[0] > size || s[1] > size) return;
    let t = 1;
    for (const axis of [0, 1]) {
      const end = s[axis] + n * d[axis];
      if (end < 0) t = Math.min(t, -s[axis] / (n * d[axis]));
      else if (end > size) t = Math.min(t, (size - s[axis]) / (n * d[axis]));
    }
    const tip = [s[0] + t * n * d[0], s[1] + t * n * d[1]];
    ctx.beginPath(); ctx.moveTo(s[0], s[1]); ctx.lineTo(tip[0], tip[1]); ctx.stroke();
    if (t < 1) { triangle(ctx, tip, d, 11 * k, 6 * k, EDGE, 'rgb(90,0,0)'); ctx.strokeStyle = ARROW; return; }
    const head = Math.min(6 * k, t * n / 2);
    for (const sign of [1, -1]) {
      ctx.beginPath(); ctx.moveTo(tip[0], tip[1]);
      ctx.lineTo(tip[0] - head * (d[0] + sign * 0.5 * d[1]), tip[1] - head * (d[1] - sign * 0.5 * d[0]));
      ctx.stroke();
    }
  });
}
function ruler(ctx, labels, size, k) {
  const x0 = 8 * k, y = size - 12 * k;
  ctx.fillStyle = '#fff'; ctx.strokeStyle = 'rgb(180,180,180)'; ctx.lineWidth = 1;
  ctx.fillRect(2 * k, size - 34 * k, x0 + 3 * ARROW_PX * k + 20 * k, 32 * k);
  ctx.strokeRect(2 * k, size - 34 * k, x0 + 3 * ARROW_PX * k + 20 * k, 32 * k);
  ctx.strokeStyle = ARROW; ctx.lineWidth = 3 * k;
  ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(x0 + 3 * ARROW_PX * k, y); ctx.stroke();
  ctx.strokeStyle = 'rgb(60,60,60)'; ctx.lineWidth = 1; ctx.fillStyle = 'rgb(40,40,40)';
  ctx.font = `${Math.round(11 * k)}px sans-serif`; ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
  for (let i = 0; i < 4; i++) {
    const x = x0 + i * ARROW_PX * k;
    ctx.beginPath(); ctx.moveTo(x, y - 4 * k); ctx.lineTo(x, y + 4 * k); ctx.stroke();
    if (i) ctx.fillText(labels[i - 1], x, y - 6 * k);
  }
}
function offPicture(ctx, fakes, px, size, k) {  // fakes outside: purple triangles on the edge, and a count
  let gone = 0;
  const c = size / 2;
  for (const f of fakes) {
    const p = (!f || f[0] === null || f[1] === null) ? null : px(f);
    if (p && p[0] >= 0 && p[1] >= 0 && p[0] <= size && p[1] <= size) continue;
    gone++;
    if (!p) continue;
    const len = Math.hypot(p[0] - c, p[1] - c) || 1, u = [(p[0] - c) / len, (p[1] - c) / len];
    const tip = [Math.min(Math.max(p[0], k), size - k), Math.min(Math.max(p[1], k), size - k)];
    triangle(ctx, tip, u, 9 * k, 5 * k, FAKE, 'rgb(40,0,70)');
  }
  if (!gone) return;
  const text = `${gone} fake${gone > 1 ? 's' : ''} off the picture`;
  ctx.font = `${Math.round(12 * k)}px sans-serif`; ctx.textAlign = 'right'; ctx.textBaseline = 'top';
  const w = ctx.measureText(text).width;
  ctx.fillStyle = 'rgba(255,255,255,0.85)'; ctx.fillRect(size - w - 10 * k, 4 * k, w + 8 * k, 17 * k);
  ctx.fillStyle = FAKE; ctx.fillText(text, size - 6 * k, 6 * k);
}
function drawOne(ctx, frame, view, trails, w) {  // one run's view in a w × w square at the context's origin
  const size = w - 1, k = w / BASE, on = new Set(frame.layers);
  const [x0, x1, y0, y1] = view.extent;
  const px = (p) => [(p[0] - x0) / (x1 - x0) * size, (1 - (p[1] - y0) / (y1 - y0)) * size];
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, w);
  if (on.has('heatmap') && view.heatmap) {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(heatImage(view.heatmap), 0, 0, w, w);
  }
  if (on.has('real') && run.real) dots(ctx, run.real, px, Math.round(k), REAL, size);
  if (on.has('manifold') && view.manifold) {
    ctx.strokeStyle = MESH; ctx.lineWidth = Math.max(1, k * 0.8);
    mesh(ctx, view.manifold, px);
  }
  if (on.has('trails') && trails.length > 1) {
    ctx.strokeStyle = TRAIL; ctx.lineWidth = Math.max(1, k * 0.8);
    const every = Math.max(1, Math.floor(trails[0].length / 96));
    for (let i = 0; i < trails[0].length; i += every) {
      const path = trails.map((t) => t[i]).filter((p) => p && p[0] !== null && p[1] !== null);
      if (path.length > 1) polyline(ctx, path, px);
    }
  }
  if (on.has('fakes')) dots(ctx, view.fakes, px, Math.round(2 * k), FAKE, size);
  if (on.has('arrows') && view.arrows && view.arrow_ref) {
    arrows(ctx, view, px, size, k);
    ruler(ctx, frame.ruler, size, k);
  }
  if (on.has('fakes')) offPicture(ctx, view.fakes, px, size, k);
}
function drawView() {  // one view, or a comparison's A | B side by side with their labels
  const canvas = element.querySelector('canvas'), frame = run.frame;
  if (!canvas || !frame || !frame.views) return;
  const two = frame.views.length > 1;
  canvas.style.width = two ? '100%' : ''; canvas.style.aspectRatio = two ? '2 / 1' : '';
  const [ctx, cw, ch, r] = sized(canvas), gap = two ? Math.round(8 * r) : 0, top = two ? Math.round(18 * r) : 0;
  const w = two ? Math.min((cw - gap) / 2, ch - top) : Math.min(cw, ch);
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, cw, ch);
  frame.views.forEach((view, i) => {
    ctx.save(); ctx.translate(i * (w + gap), top);
    drawOne(ctx, frame, view, run.trails[i] || [], w);
    ctx.restore();
    if (two) {
      ctx.fillStyle = '#222'; ctx.font = `${Math.round(13 * r)}px sans-serif`; ctx.textAlign = 'center';
      ctx.textBaseline = 'top'; ctx.fillText(frame.labels[i], i * (w + gap) + w / 2, 2 * r);
    }
  });
  canvas.dataset.step = String(frame.step);  // what the canvas shows (tests and scripts read these)
  canvas.dataset.frames = String(Number(canvas.dataset.frames || 0) + 1);
}

// -- the curves --------------------------------------------------------------------------------------
function limits(values, extra, probability) {
  if (probability) return [-0.02, 1.02, false];
  let lo = Infinity, hi = -Infinity;
  for (const vs of values) for (const v of vs) if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (extra !== null && extra !== undefined) { lo = Math.min(lo, extra); hi = Math.max(hi, extra); }
  if (lo === Infinity) return [0, 1, false];
  const blown = Math.max(Math.abs(lo), Math.abs(hi)) > BLOWN_UP, span = Math.max(hi - lo, 1e-3);
  return [lo - 0.1 * span, hi + 0.1 * span, blown];
}
function panel(ctx, box, series, opts) {
  // a series: [column, label, colour, panel, dash, its columns (default: run A's)]
  const cols = opts.cols || run.cols, [left, top, width, height] = box, of = (s) => s[5] || cols;
  const [lo, hi, blown] = opts.range ? [...opts.range, false]
    : limits(series.map((s) => of(s)[s[0]] || []), opts.line, opts.probability);
  const f = blown ? (v) => Math.sign(v) * Math.log10(1 + Math.abs(v)) : (v) => v;  // symlog, linear within ±1
  const ends = series.map((s) => (of(s).step || []).slice(-1)[0] || 1), flo = f(lo), fhi = f(hi);
  const last = Math.max(1, ...ends);
  const X = (s) => left + s / last * width, Y = (v) => top + (1 - (f(v) - flo) / ((fhi - flo) || 1)) * height;
  ctx.strokeStyle = '#ccc'; ctx.lineWidth = 1; ctx.strokeRect(left, top, width, height);
  ctx.fillStyle = '#444'; ctx.font = '11px sans-serif'; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  const ticks = blown ? [lo, 0, hi] : [lo + 0.05 * (hi - lo), (lo + hi) / 2, hi - 0.05 * (hi - lo)];
  for (const t of ticks) { ctx.fillText(fmt(t), left - 3, Y(t)); }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (const s of [0, last / 2, last]) ctx.fillText(fmt(Math.round(s)), X(s), top + height + 2);
  ctx.fillStyle = blown ? ALARM : '#222'; ctx.textBaseline = 'bottom'; ctx.font = '12px sans-serif';
  const title = blown ? `${opts.title}: they blew up, log scale` : opts.title;
  ctx.fillText(ctx.measureText(title).width > width + 40 ? title.split(' (')[0] : title, left + width / 2, top - 3);
  if (opts.line !== null && opts.line !== undefined) {
    ctx.setLineDash([2, 3]); ctx.strokeStyle = opts.lineColor; ctx.beginPath();
    ctx.moveTo(left, Y(opts.line)); ctx.lineTo(left + width, Y(opts.line)); ctx.stroke(); ctx.setLineDash([]);
  }
  for (const [step, label] of opts.marks) {
    ctx.setLineDash([4, 3]); ctx.strokeStyle = MARK; ctx.beginPath();
    ctx.moveTo(X(step), top); ctx.lineTo(X(step), top + height); ctx.stroke(); ctx.setLineDash([]);
    if (label) { ctx.fillStyle = MARK; ctx.textAlign = 'left'; ctx.textBaseline = 'top'; ctx.fillText(label, X(step) + 2, top + 2); }
  }
  ctx.save(); ctx.beginPath(); ctx.rect(left, top, width, height); ctx.clip();
  for (const s of series) lineOf(ctx, of(s).step || [], of(s)[s[0]] || [], X, Y, s[2], s[4], width);
  ctx.restore();
  let x = left, y = top + height + 13;  // the legend under the panel, wrapped; run B's lines: one "dashed: B"
  ctx.font = '11px sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
  const shown = series.filter((s) => !(s[5] && s[5] === run.colsB));
  const entries = [...shown, ...(shown.length < series.length ? [[null, 'dashed: run B', '#555', 0, [4, 2]]] : [])];
  for (const [, label, color, , dash] of entries) {
    const need = 24 + ctx.measureText(label).width;
    if (x > left && x + need > left + width + 30) { x = left; y += 13; }
    ctx.fillStyle = color; ctx.fillRect(x, y + 4, dash ? 6 : 14, 3);
    if (dash) ctx.fillRect(x + 8, y + 4, 6, 3);
    ctx.fillStyle = '#333'; ctx.fillText(label, x + 17, y); x += need;
  }
  return {X, left, width};
}
function lineOf(ctx, steps, values, X, Y, color, dash, width) {  // per pixel column its lowest and highest point
  ctx.strokeStyle = color; ctx.lineWidth = 1.4; ctx.setLineDash(dash || []); ctx.beginPath();
  const per = Math.max(1, Math.floor(steps.length / Math.max(width, 1)));
  let started = false;
  for (let i = 0; i < steps.length; i += per) {
    let lo = Infinity, hi = -Infinity;
    for (let j = i; j < Math.min(i + per, steps.length); j++) {
      const v = values[j];
      if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    if (lo === Infinity) { started = false; continue; }
    const x = X(steps[i]);
    if (started) ctx.lineTo(x, Y(lo)); else ctx.moveTo(x, Y(lo));
    if (hi !== lo) ctx.lineTo(x, Y(hi));
    started = true;
  }
  ctx.stroke(); ctx.setLineDash([]);
}
function drawCurves() {
  const canvas = document.getElementById('train-curves-canvas'), frame = run.frame;
  if (!canvas || !frame || !frame.curves) return;
  if (!canvas.dataset.hover) {
    canvas.dataset.hover = '1';
    canvas.addEventListener('mousemove', (e) => { hover = e.offsetX; drawCurves(); });
    canvas.addEventListener('mouseleave', () => { hover = null; drawCurves(); });
  }
  const [ctx, w, h, r] = sized(canvas), c = frame.curves, W = w / r, H = h / r;
  ctx.scale(r, r); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  const extras = c.extras || [];
  const b = run.colsB && frame.labels ? COLUMNS.map(([k, label, color, p]) => [k, `${label}, B`, color, p, [4, 2], run.colsB]) : [];
  const lossSeries = [...COLUMNS.filter((s) => s[3] === 0), ...b.filter((s) => s[3] === 0),
    ...extras.slice(0, 3).map((k, i) => [k, k, '#555', 0, [[2, 2], [6, 2, 2, 2], [5, 3]][i]])];
  const pw = (W - 110) / 2, box1 = [48, 22, pw, H - 62], box2 = [48 + pw + 55, 22, pw, H - 62];
  const marks = c.marks || [];
  const a = panel(ctx, box1, lossSeries, {title: 'losses, every step', line: c.equilibrium, lineColor: D_COLOR, marks, probability: false});
  panel(ctx, box2, [...COLUMNS, ...b].filter((s) => s[3] === 1), {title: c.probability ? "D's verdict (1 = real, 0 = fake)" : "D's raw scores (critic)",
    line: c.probability ? 0.5 : null, lineColor: '#888', marks: marks.map((m) => [m[0], '']), probability: c.probability});
  hoverBox(ctx, a, box1, box2, W);
}
function drawDivergence() {  // the 2D quality meter: JS between real and fake on the heatmap's grid, per refresh
  const canvas = document.getElementById('train-js-canvas'), d = run.frame && run.frame.divergence;
  if (!canvas || !d) return;
  const [ctx, w, h, r] = sized(canvas), W = w / r, H = h / r;
  ctx.scale(r, r); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, H);
  const labels = run.frame.labels, series = d.map((one, i) => ['js', labels ? `JS ${labels[i][0]}`
    : 'JS (bits, 0 = same, 1 = apart)', i ? D_COLOR : G_COLOR, 0, i ? [4, 2] : null, {step: one.step, js: one.js}]);
  panel(ctx, [48, 22, W - 70, H - 62], series,
    {title: "real vs fake, on the heatmap's grid (JS, bits)", line: null, marks: [], range: [0, 1]});
}
function hoverBox(ctx, a, box1, box2, W) {  // hovering a curve: the step under the mouse and its values
  const steps = run.cols.step || [];
  if (hover === null || !steps.length) return;
  const inSecond = hover >= box2[0], box = inSecond ? box2 : box1;
  if (hover < box[0] || hover > box[0] + box[2]) return;
  const want = (hover - box[0]) / box[2] * Math.max(steps[steps.length - 1], 1);
  let lo = 0, hi = steps.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (steps[mid] < want) lo = mid + 1; else hi = mid; }
  const i = lo, x = box[0] + steps[i] / Math.max(steps[steps.length - 1], 1) * box[2];
  ctx.strokeStyle = '#999'; ctx.beginPath(); ctx.moveTo(x, box[1]); ctx.lineTo(x, box[1] + box[3]); ctx.stroke();
  const lines = [`step ${steps[i]}`, ...COLUMNS.map(([key, label]) => `${label}: ${fmt((run.cols[key] || [])[i])}`)];
  const bSteps = (run.colsB && run.colsB.step) || [], j = bSteps.indexOf(steps[i]);
  if (j >= 0) lines.push(...COLUMNS.map(([key, label]) => `${label}, B: ${fmt(run.colsB[key][j])}`));
  ctx.font = '11px sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
  const tw = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 10, bx = Math.min(x + 8, W - tw - 2);
  ctx.fillStyle = 'rgba(255,255,255,0.93)'; ctx.strokeStyle = '#888';
  ctx.fillRect(bx, box[1] + 4, tw, lines.length * 14 + 6); ctx.strokeRect(bx, box[1] + 4, tw, lines.length * 14 + 6);
  ctx.fillStyle = '#222';
  lines.forEach((l, j) => ctx.fillText(l, bx + 5, box[1] + 7 + j * 14));
}

// -- the numbers ---------------------------------------------------------------------------------
function joined(cols, c) {  // the columns the page has, with the answer's new points
  const out = c.start === 0 ? {} : cols;
  for (const [key, values] of Object.entries(c)) {
    if (!Array.isArray(values)) continue;
    const had = out[key] || new Array(c.start).fill(null);  // a column new since: empty before
    out[key] = had.concat(values);
  }
  return out;
}
function take(answer) {
  const frame = answer.frame;
  if (answer.real) run.real = answer.real;
  run.cols = joined(run.cols, answer.curves);
  run.colsB = answer.curves_b ? joined(run.colsB || {}, answer.curves_b) : null;
  if (frame.mode !== 'canvas') { run.frame = frame; return; }
  frame.views.forEach((view, i) => {  // each run's fakes at the last few refreshes: its trails
    const trails = run.trails[i], fakes = view.fakes, last = trails[trails.length - 1];
    if (!last || JSON.stringify(last[0]) !== JSON.stringify(fakes[0]) || last.length !== fakes.length) {
      trails.push(fakes);
      while (trails.length > frame.trail_length) trails.shift();
    }
  });
  run.frame = frame;
}
function paint() {
  const browser = run.frame && run.frame.mode === 'canvas';
  show(browser);
  if (!browser) return;
  drawView();
  drawCurves();
  drawDivergence();
}
new ResizeObserver(() => paint()).observe(element);
(async () => {
  while (document.body.contains(element)) {
    const token = props.value || '';
    if (token !== run.token) { run = fresh(token); show(false); }
    if (!token || !onScreen()) { await sleep(400); continue; }
    try {
      const url = new URL(frameUrl);
      url.searchParams.set('token', token);
      url.searchParams.set('after', String(run.version));
      url.searchParams.set('points', String((run.cols.step || []).length));
      url.searchParams.set('points_b', String(((run.colsB || {}).step || []).length));
      url.searchParams.set('real', run.real ? '0' : '1');
      const answer = await fetch(url, {cache: 'no-store', credentials: 'same-origin'});
      if (answer.status === 404 || answer.status === 403) { show(false); run.frame = null; await sleep(1000); continue; }
      if (!answer.ok) { await sleep(2000); continue; }
      const data = await answer.json();
      if ((props.value || '') !== token) continue;
      take(data);
      run.version = data.curves.more ? -1 : data.version;
      paint();
    } catch (e) {
      await sleep(2000);
    }
  }
})();
