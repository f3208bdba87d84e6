/* OpenAI Usage Tracker: draws the charts a page describes in <script type="application/json">
   (specs built by web/charts.py) as SVG: bars (stacked, vertical or horizontal) or lines over
   UTC days or names, with axis titles carrying units, a legend, a tooltip (pointer, touch and
   arrow keys), the data as a table and a PNG download. Numbers and dates are formatted with
   Intl in the spec's locale and currency; colours are CSS custom properties (charts.css), so a
   theme change needs no redraw. Loaded only by pages that have a chart. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var ROW = 28; /* pixels per band of a horizontal chart */

  function svg(name, attrs, parent, text) {
    var el = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text != null) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }

  function html(name, cls, parent, text) {
    var el = document.createElement(name);
    if (cls) el.className = cls;
    if (text != null) el.textContent = text;
    if (parent) parent.appendChild(el);
    return el;
  }

  /* Money in the spec's currency (four decimals under a cent), token counts, compact axis
     ticks with as many digits as the step needs, and short or long UTC dates. */
  function formats(spec) {
    var money = spec.values.unit === "money";
    var cur = money ? { style: "currency", currency: spec.currency } : {};
    var nf = function (extra) { return new Intl.NumberFormat(spec.locale, Object.assign({}, cur, extra)); };
    var normal = nf(money ? {} : { maximumFractionDigits: 0 });
    var cents = money && normal.resolvedOptions().maximumFractionDigits === 2;
    var fine = cents ? nf({ minimumFractionDigits: 2, maximumFractionDigits: 4 }) : normal;
    var compact = {};
    var utc = { timeZone: "UTC", month: "short", day: "numeric" };
    var short = new Intl.DateTimeFormat(spec.locale, utc);
    var long = new Intl.DateTimeFormat(spec.locale, Object.assign({ year: "numeric" }, utc));
    var dates = spec.bands.dates;
    return {
      value: function (v) {
        if (v == null) return "—";
        return (v !== 0 && Math.abs(v) < 0.01 ? fine : normal).format(v);
      },
      tick: function (v, step) {
        var d = v === 0 ? 1 : Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step) + 1e-9) + 1;
        d = Math.min(Math.max(d, 1), 21);
        if (!compact[d]) compact[d] = nf({ notation: "compact", maximumSignificantDigits: d });
        return compact[d].format(v);
      },
      band: function (b) { return dates ? short.format(new Date(b)) : b; },
      bandLong: function (b) { return dates ? long.format(new Date(b)) : b; },
    };
  }

  /* Each series' [from, to] per band: stacked (positives up, negatives down) or from zero. */
  function extents(spec) {
    var n = spec.bands.values.length, up = [], down = [], lo = 0, hi = 0;
    for (var i = 0; i < n; i++) { up.push(0); down.push(0); }
    var parts = spec.series.map(function (s) {
      return s.values.map(function (v, i) {
        if (v == null) return null;
        var base = !spec.stacked || spec.kind === "line" ? 0 : v >= 0 ? up[i] : down[i];
        var end = base + v;
        if (spec.stacked && v >= 0) up[i] = end; else if (spec.stacked) down[i] = end;
        lo = Math.min(lo, end); hi = Math.max(hi, end);
        return [Math.min(base, end), Math.max(base, end), end];
      });
    });
    return { parts: parts, lo: lo, hi: hi };
  }

  function ticks(lo, hi, count) {
    if (hi <= lo) hi = lo + 1;
    var raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw))), norm = raw / mag;
    var step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
    var start = Math.floor(lo / step + 1e-9) * step, end = Math.ceil(hi / step - 1e-9) * step, out = [];
    for (var i = 0; start + i * step <= end + step / 2; i++) out.push(start + i * step);
    return { values: out, step: step, lo: start, hi: end };
  }

  function textWidth(root, text) {
    var t = svg("text", {}, root, text), w = t.getComputedTextLength() || text.length * 7;
    root.removeChild(t);
    return w;
  }

  function widest(root, texts) {
    var longest = texts.slice().sort(function (a, b) { return b.length - a.length; }).slice(0, 3);
    return longest.reduce(function (w, s) { return Math.max(w, textWidth(root, s)); }, 0);
  }

  function fit(root, text, room) {
    if (textWidth(root, text) <= room) return text;
    var lo = 0, hi = text.length;
    while (lo < hi) {
      var mid = Math.ceil((lo + hi) / 2);
      if (textWidth(root, text.slice(0, mid) + "…") <= room) lo = mid; else hi = mid - 1;
    }
    return text.slice(0, lo) + "…";
  }

  function lineClass(s) {
    return "line" + (s.line === "dash" ? " dash" : s.line === "dot" ? " dotted" : "");
  }

  function draw(plot) {
    var c = plot._chart, spec = c.spec, f = c.f, width = plot.clientWidth;
    if (!width) return;
    c.width = width;
    plot.textContent = "";
    var bands = spec.bands.values, n = bands.length, horiz = spec.horizontal;
    var small = plot.parentNode.classList.contains("small");
    var height = horiz ? Math.max(n, 1) * ROW + 56 + (spec.bands.title ? 14 : 0) : small ? 240 : 320;
    var root = svg("svg", { class: "chart-svg", width: width, height: height, "aria-hidden": "true", focusable: "false" }, plot);
    if (!n) {
      svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, root, spec.text.empty);
      plot.setAttribute("data-drawn", "true");
      return;
    }
    var ex = extents(spec), tk = ticks(ex.lo, ex.hi, horiz ? Math.max(2, Math.floor(width / 120)) : 5);
    var tickText = tk.values.map(function (t) { return f.tick(t, tk.step); });
    var labels = bands.map(f.band), m = { top: 8, right: 12, bottom: 44, left: 0 };
    /* A ranking (one series of horizontal bars) prints each value at the end of its bar. */
    var valueText = horiz && spec.series.length === 1 ? spec.series[0].values.map(f.value) : null;
    if (horiz) {
      m.left = Math.min(widest(root, labels), width * 0.4) + 8;
      m.top = spec.bands.title ? 22 : 8;
      m.right = textWidth(root, tickText[tickText.length - 1]) / 2 + 4;
      if (valueText) m.right = Math.max(m.right, widest(root, valueText) + 10);
    } else {
      m.left = widest(root, tickText) + 30;
    }
    var pw = Math.max(width - m.left - m.right, 10), ph = height - m.top - m.bottom;
    var band = (horiz ? ph : pw) / n, gap = band < 4 ? 0 : Math.min(band * 0.2, 8);
    if (band < 4) root.classList.add("dense"); /* bars touch: no gaps, no outlines */
    var vpx = function (v) {
      var k = (v - tk.lo) / (tk.hi - tk.lo);
      return horiz ? m.left + k * pw : m.top + ph - k * ph;
    };
    var bpx = function (i) { return (horiz ? m.top : m.left) + i * band; };
    c.geo = { horiz: horiz, m: m, band: band, n: n, bpx: bpx, root: root };

    tk.values.forEach(function (t, i) {
      var p = vpx(t), cls = Math.abs(t) < tk.step / 1e6 ? "zero" : "grid";
      if (horiz) {
        svg("line", { class: cls, x1: p, x2: p, y1: m.top, y2: m.top + ph }, root);
        svg("text", { x: p, y: m.top + ph + 16, "text-anchor": "middle" }, root, tickText[i]);
      } else {
        svg("line", { class: cls, x1: m.left, x2: m.left + pw, y1: p, y2: p }, root);
        svg("text", { x: m.left - 6, y: p + 4, "text-anchor": "end" }, root, tickText[i]);
      }
    });
    var title = { class: "axis-title", "text-anchor": "middle" };
    if (horiz) {
      svg("text", Object.assign({}, title, { x: m.left + pw / 2, y: height - 6 }), root, spec.values.title);
      if (spec.bands.title) svg("text", { class: "axis-title", x: 0, y: 14 }, root, spec.bands.title);
      labels.forEach(function (label, i) {
        svg("text", { x: m.left - 8, y: bpx(i) + band / 2 + 4, "text-anchor": "end" }, root, fit(root, label, m.left - 8));
      });
    } else {
      svg("text", Object.assign({}, title, { x: -(m.top + ph / 2), y: 14, transform: "rotate(-90)" }), root, spec.values.title);
      svg("text", Object.assign({}, title, { x: m.left + pw / 2, y: height - 6 }), root, spec.bands.title);
      var lw = widest(root, labels), every = Math.max(1, Math.ceil((lw + 12) / band));
      for (var i = 0; i < n; i += every) {
        var x = bpx(i) + band / 2, anchor = x + lw / 2 > width ? "end" : "middle";
        svg("text", { x: anchor === "end" ? width : x, y: m.top + ph + 16, "text-anchor": anchor }, root, labels[i]);
      }
    }
    c.hover = svg("rect", { class: "hover", visibility: "hidden" }, root);

    spec.series.forEach(function (s, si) {
      var g = svg("g", { class: "c" + s.color }, root), parts = ex.parts[si];
      if (spec.kind === "bar") {
        parts.forEach(function (p, i) {
          if (!p || p[0] === p[1]) return;
          var a = vpx(p[0]), b = vpx(p[1]), at = bpx(i) + gap / 2, thick = Math.max(band - gap, 1);
          var box = horiz ? { x: a, y: at, width: b - a, height: thick } : { x: at, y: b, width: thick, height: a - b };
          svg("rect", Object.assign({ class: "bar" }, box), g);
          if (valueText) svg("text", { class: "value", x: b + 4, y: at + thick / 2 + 4 }, root, valueText[i]);
        });
        return;
      }
      var segments = [], current = [];
      parts.forEach(function (p, i) {
        if (!p) { if (current.length) segments.push(current); current = []; return; }
        current.push([bpx(i) + band / 2, vpx(p[2])]);
      });
      if (current.length) segments.push(current);
      segments.forEach(function (pts) {
        var d = pts.map(function (q, i) { return (i ? "L" : "M") + q[0].toFixed(1) + "," + q[1].toFixed(1); }).join("");
        if (s.area) {
          var base = vpx(Math.max(tk.lo, 0)).toFixed(1);
          svg("path", { class: "area", d: d + "L" + pts[pts.length - 1][0].toFixed(1) + "," + base + "L" + pts[0][0].toFixed(1) + "," + base + "Z" }, g);
        }
        if (pts.length === 1) svg("circle", { class: "dot", cx: pts[0][0], cy: pts[0][1], r: 3 }, g);
        else svg("path", { class: lineClass(s), d: d }, g);
      });
    });

    var hit = svg("rect", { class: "hit", x: horiz ? 0 : m.left, y: m.top, width: horiz ? width : pw, height: ph }, root);
    var pick = function (e) {
      var r = root.getBoundingClientRect(), pos = horiz ? e.clientY - r.top - m.top : e.clientX - r.left - m.left;
      var fr = plot.parentNode.getBoundingClientRect();
      show(plot, Math.min(n - 1, Math.max(0, Math.floor(pos / band))), e.clientX - fr.left, e.clientY - fr.top);
    };
    hit.addEventListener("pointermove", pick);
    hit.addEventListener("pointerdown", pick);
    hit.addEventListener("pointerleave", function () { hide(plot); });
    plot.setAttribute("data-drawn", "true");
  }

  /* The tooltip for band i at (x, y) in the figure's coordinates. */
  function show(plot, i, x, y) {
    var c = plot._chart, spec = c.spec, f = c.f, g = c.geo, tip = c.tip;
    c.index = i;
    var at = g.bpx(i);
    var box = g.horiz ? { x: 0, y: at, width: g.root.getAttribute("width"), height: g.band } : { x: at, y: g.m.top, width: g.band, height: g.root.getAttribute("height") - g.m.top - g.m.bottom };
    Object.keys(box).forEach(function (k) { c.hover.setAttribute(k, box[k]); });
    c.hover.setAttribute("visibility", "visible");
    tip.textContent = "";
    html("strong", "", tip, f.bandLong(spec.bands.values[i]));
    var table = html("table", "", tip), total = 0, shown = 0;
    spec.series.forEach(function (s) {
      var v = s.values[i];
      if (v == null || (spec.kind === "bar" && spec.stacked && v === 0)) return;
      var tr = html("tr", "", table);
      swatch(html("td", "", tr), s, spec.kind);
      html("td", "", tr, s.name);
      html("td", "num", tr, f.value(v));
      total += v; shown += 1;
    });
    if (spec.stacked && spec.series.length > 1) {
      var tr = html("tr", "total", table);
      html("td", "", tr); html("td", "", tr, spec.text.total); html("td", "num", tr, f.value(total));
    }
    if (!shown && !(spec.stacked && spec.series.length > 1)) html("td", "", html("tr", "", table), "—");
    tip.hidden = false;
    var fig = plot.parentNode, fw = fig.clientWidth;
    var left = x + 14 + tip.offsetWidth > fw ? x - 14 - tip.offsetWidth : x + 14;
    var top = y - tip.offsetHeight - 12 < 0 ? y + 16 : y - tip.offsetHeight - 12;
    tip.style.left = Math.max(0, Math.min(left, fw - tip.offsetWidth)) + "px";
    tip.style.top = Math.max(0, top) + "px";
  }

  function hide(plot) {
    var c = plot._chart;
    c.tip.hidden = true;
    c.index = null;
    if (c.hover) c.hover.setAttribute("visibility", "hidden");
  }

  function swatch(parent, s, kind) {
    var sw = svg("svg", { class: "swatch", width: 16, height: 10, "aria-hidden": "true" }, parent);
    var g = svg("g", { class: "c" + s.color }, sw);
    if (kind === "line") svg("line", { class: lineClass(s), x1: 0, x2: 16, y1: 5, y2: 5 }, g);
    else svg("rect", { class: "bar", width: 16, height: 10, rx: 2 }, g);
  }

  function keys(plot, e) {
    var c = plot._chart, g = c.geo;
    if (!g) return;
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    var i = c.index == null ? (step ? 0 : null) : c.index + (step || 0);
    if (e.key === "Home") i = 0;
    if (e.key === "End") i = g.n - 1;
    if (e.key === "Escape") { hide(plot); return; }
    if (i == null || !(step || e.key === "Home" || e.key === "End")) return;
    e.preventDefault();
    i = Math.min(g.n - 1, Math.max(0, i));
    var mid = g.bpx(i) + g.band / 2;
    show(plot, i, plot.offsetLeft + (g.horiz ? g.m.left : mid), plot.offsetTop + (g.horiz ? mid : g.m.top + 20));
  }

  /* The chart's numbers as a table, built when first opened. */
  function dataTable(details, spec, f) {
    var wrap = html("div", "table-wrap", details), table = html("table", "data", wrap);
    var head = html("tr", "", html("thead", "", table)), body = html("tbody", "", table);
    var totals = spec.stacked && spec.series.length > 1;
    [spec.bands.title].concat(spec.series.map(function (s) { return s.name; }), totals ? [spec.text.total] : []).forEach(function (name, i) {
      html("th", i ? "num" : "", head, name).setAttribute("scope", "col");
    });
    spec.bands.values.forEach(function (b, i) {
      var tr = html("tr", "", body), sum = 0;
      html("th", "", tr, f.bandLong(b)).setAttribute("scope", "row");
      spec.series.forEach(function (s) { sum += s.values[i] || 0; html("td", "num", tr, f.value(s.values[i])); });
      if (totals) html("td", "num", tr, f.value(sum));
    });
  }

  /* A PNG of the drawn chart: the SVG with its computed colours, on the panel's background. */
  function png(plot, name) {
    var src = plot.querySelector("svg.chart-svg");
    if (!src) return;
    var copy = src.cloneNode(true), from = src.querySelectorAll("*"), to = copy.querySelectorAll("*");
    var props = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "font-size", "font-family", "font-weight", "visibility"];
    for (var i = 0; i < from.length; i++) {
      var cs = getComputedStyle(from[i]);
      props.forEach(function (p) { to[i].setAttribute(p, cs.getPropertyValue(p)); });
    }
    var w = +src.getAttribute("width"), h = +src.getAttribute("height");
    copy.setAttribute("xmlns", NS);
    var bg = svg("rect", { width: w, height: h, fill: getComputedStyle(plot.closest(".panel") || document.body).backgroundColor });
    copy.insertBefore(bg, copy.firstChild);
    var img = new Image();
    img.onload = function () {
      var canvas = document.createElement("canvas"), k = 2;
      canvas.width = w * k; canvas.height = h * k;
      var ctx = canvas.getContext("2d");
      ctx.scale(k, k);
      ctx.drawImage(img, 0, 0);
      canvas.toBlob(function (blob) {
        var a = html("a", "", document.body);
        a.href = URL.createObjectURL(blob);
        a.download = name + ".png";
        a.click();
        a.remove();
        window.setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
      });
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(copy));
  }

  /* Once per chart: legend, note, tooltip, keyboard, data table and download under the plot. */
  function setup(plot, spec) {
    var fig = plot.parentNode, f = formats(spec);
    plot._chart = { spec: spec, f: f, tip: html("div", "chart-tip", fig), index: null };
    plot._chart.tip.hidden = true;
    plot._chart.tip.setAttribute("aria-live", "polite"); /* read out while arrowing through */
    if (spec.series.length > 1) {
      var legend = html("ul", "legend", fig);
      spec.series.forEach(function (s) {
        var li = html("li", "", legend);
        swatch(li, s, spec.kind);
        html("span", "", li, s.name);
      });
    }
    if (spec.note) html("p", "chart-note", fig, spec.note);
    plot.tabIndex = 0;
    plot.addEventListener("keydown", function (e) { keys(plot, e); });
    plot.addEventListener("blur", function () { hide(plot); });
    if (!spec.bands.values.length) return;
    var tools = html("div", "chart-tools", fig), details = html("details", "", tools);
    html("summary", "", details, spec.text.data);
    details.addEventListener("toggle", function () {
      if (details.open && !details.querySelector("table")) dataTable(details, spec, f);
    });
    var button = html("button", "link-button", tools, spec.text.png);
    button.type = "button";
    button.addEventListener("click", function () { png(plot, plot.getAttribute("data-chart")); });
  }

  var resized = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) {
      var plot = e.target;
      if (plot._chart && plot.clientWidth && plot.clientWidth !== plot._chart.width) draw(plot);
    });
  }) : null;

  function drawAll(root) {
    root.querySelectorAll("[data-chart]").forEach(function (plot) {
      var source = document.getElementById(plot.getAttribute("data-chart"));
      if (!source || plot._chart) return;
      setup(plot, JSON.parse(source.textContent));
      draw(plot);
      if (resized) resized.observe(plot);
    });
  }

  window.UsageCharts = { drawAll: drawAll };
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
})();
