/* chart.js: small SVG charts drawn in the browser (no libraries, nothing from the internet).
 * Every bar or slice carries data-key and data-value attributes and a <title> tooltip, so a
 * person can hover it and a test can read it. Colours come from quire.css classes. */
"use strict";

const chart = (() => {
  const NS = "http://www.w3.org/2000/svg";

  /* An SVG element with attributes; `title` (if given) becomes its tooltip. */
  function svgEl(tag, attrs, title) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (title) {
      const t = document.createElementNS(NS, "title");
      t.textContent = title;
      e.append(t);
    }
    return e;
  }

  /* A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
  function niceMax(max) {
    if (max <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(max)));
    for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
    return 10 * p;
  }

  /* Clears `svg` and sets its drawing size. */
  function reset(svg, w, h) {
    svg.replaceChildren();
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  }

  /* An empty chart's message. */
  function empty(svg, w, h, text) {
    svg.append(svgEl("text", { x: w / 2, y: h / 2, class: "chart-empty", "text-anchor": "middle" }))
    svg.lastChild.textContent = text || "Nothing printed in this period.";
  }

  /* Vertical bars, one per item, stacked from `series` ([{key, cls, label}]): item[key] are
   * the stacked values. `label(item)` names the bar under the axis, `fmt(v)` formats values
   * in tooltips (the axis shows bare numbers). */
  function columns(svg, items, series, label, fmt) {
    const W = 720, H = 260, L = 56, B = 36, T = 10;
    const axis = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
    reset(svg, W, H);
    const totals = items.map((it) => series.reduce((s, se) => s + (+it[se.key] || 0), 0));
    const top = niceMax(Math.max(0, ...totals));
    const y = (v) => T + (H - T - B) * (1 - v / top);
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      svg.append(svgEl("line", { x1: L, x2: W - 4, y1: y(v), y2: y(v), class: "chart-grid" }));
      const t = svgEl("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "chart-axis" });
      t.textContent = axis(v);
      svg.append(t);
    }
    if (!totals.some((v) => v > 0)) return empty(svg, W, H);
    const slot = (W - L - 4) / Math.max(items.length, 1), bw = Math.max(2, slot * 0.7);
    const every = Math.ceil(items.length / 12);
    items.forEach((it, i) => {
      const x = L + i * slot + (slot - bw) / 2;
      let base = 0;
      for (const se of series) {
        const v = +it[se.key] || 0;
        if (v > 0) {
          svg.append(svgEl("rect", {
            x, width: bw, y: y(base + v), height: y(base) - y(base + v), class: "bar " + se.cls,
            "data-key": label(it), "data-series": se.key, "data-value": v,
          }, label(it) + ": " + fmt(v) + " " + se.label));
        }
        base += v;
      }
      if (i % every === 0) {
        const t = svgEl("text", { x: x + bw / 2, y: H - B + 16, "text-anchor": "middle", class: "chart-axis" });
        t.textContent = label(it);
        svg.append(t);
      }
    });
  }

  /* Horizontal bars of the `n` largest items by `key`, labelled by `label(item)`. */
  function ranking(svg, items, key, label, fmt, n) {
    const top = items.filter((it) => +it[key] > 0)
      .sort((a, b) => b[key] - a[key]).slice(0, n || 8);
    const W = 360, row = 26, H = Math.max(row * top.length + 8, 60), L = 110, R = 70;
    reset(svg, W, H);
    if (!top.length) return empty(svg, W, H);
    const max = Math.max(...top.map((it) => +it[key]));
    top.forEach((it, i) => {
      const w = ((W - L - R) * +it[key]) / max, yy = 4 + i * row;
      const name = svgEl("text", { x: L - 6, y: yy + 16, "text-anchor": "end", class: "chart-label" });
      name.textContent = label(it).length > 16 ? label(it).slice(0, 15) + "\u2026" : label(it);
      svg.append(name);
      svg.append(svgEl("rect", { x: L, y: yy + 3, width: Math.max(w, 1), height: row - 8,
        class: "bar bar-main", "data-key": label(it), "data-value": +it[key] },
        label(it) + ": " + fmt(+it[key])));
      const v = svgEl("text", { x: L + w + 6, y: yy + 16, class: "chart-label" });
      v.textContent = fmt(+it[key]);
      svg.append(v);
    });
  }

  /* A ring of `parts` ([{key, value, cls, label}]) with a legend. */
  function donut(svg, parts, fmt) {
    const W = 360, H = 200, cx = 100, cy = 100, r = 80, ri = 48;
    reset(svg, W, H);
    const total = parts.reduce((s, p) => s + p.value, 0);
    if (total <= 0) return empty(svg, W, H);
    let a0 = -Math.PI / 2;
    parts.forEach((p, i) => {
      const a1 = a0 + (2 * Math.PI * p.value) / total;
      const share = Math.round((100 * p.value) / total) + "%";
      const attrs = { class: "slice " + p.cls, "data-key": p.key, "data-value": p.value };
      if (p.value >= total) {
        svg.append(svgEl("circle", { cx, cy, r: (r + ri) / 2, "stroke-width": r - ri, fill: "none", ...attrs },
          p.label + ": " + fmt(p.value) + " (" + share + ")"));
      } else if (p.value > 0) {
        const big = a1 - a0 > Math.PI ? 1 : 0, pt = (rad, ang) => [cx + rad * Math.cos(ang), cy + rad * Math.sin(ang)];
        const [x0, y0] = pt(r, a0), [x1, y1] = pt(r, a1), [x2, y2] = pt(ri, a1), [x3, y3] = pt(ri, a0);
        attrs.d = `M${x0} ${y0}A${r} ${r} 0 ${big} 1 ${x1} ${y1}L${x2} ${y2}A${ri} ${ri} 0 ${big} 0 ${x3} ${y3}Z`;
        svg.append(svgEl("path", attrs, p.label + ": " + fmt(p.value) + " (" + share + ")"));
      }
      a0 = a1;
      svg.append(svgEl("rect", { x: 215, y: 60 + i * 30, width: 14, height: 14, class: "bar " + p.cls }));
      const t = svgEl("text", { x: 236, y: 72 + i * 30, class: "chart-label" });
      t.textContent = p.label + " " + fmt(p.value) + " (" + share + ")";
      svg.append(t);
    });
  }

  return { columns, ranking, donut };
})();
