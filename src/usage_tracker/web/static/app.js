/* OpenAI Usage Tracker: sorts and searches one-page tables, expands rows (drawing their charts with
   charts.js), uploads files, follows running bulk operations. No inline script anywhere; no
   external requests. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrf = function () {
    var el = document.querySelector('input[name="csrf_token"]');
    return el ? el.value : "";
  };
  var i18n = {};

  /* Charts are drawn by charts.js, which only pages with a chart load. */
  function drawAll(root) {
    if (window.UsageCharts) window.UsageCharts.drawAll(root);
  }

  /* Sortable tables of one page: header buttons, aria-sort; detail rows travel with their row.
     A paged table (data-paged) is sorted and searched by the server over all its rows: its
     headers are links and its search box a GET form, so nothing here reorders or hides its rows. */
  function sortTable(th) {
    var table = th.closest("table");
    if (table.hasAttribute("data-paged")) return;
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.querySelector("button").getAttribute("data-sort") === "number";
    var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
    table.querySelectorAll("thead th[aria-sort]").forEach(function (h) {
      h.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.filter.call(body.rows, function (r) { return r.hasAttribute("data-row"); });
    var value = function (r) {
      var v = r.cells[index].getAttribute("data-value") || r.cells[index].textContent;
      return numeric ? parseFloat(v) : v.toLowerCase();
    };
    rows.sort(function (a, b) {
      var x = value(a), y = value(b);
      var c = numeric ? x - y : x.localeCompare(y);
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) {
      var detail = r.nextElementSibling && r.nextElementSibling.classList.contains("detail") ? r.nextElementSibling : null;
      body.appendChild(r);
      if (detail) body.appendChild(detail);
    });
  }

  function search(input) {
    var table = document.getElementById(input.getAttribute("data-table-search"));
    if (!table || table.hasAttribute("data-paged")) return;
    var q = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      if (!r.hasAttribute("data-row")) return;
      var owner = r.querySelector("[data-owner]");  /* the keys view: its owner's name and e-mail too */
      var text = r.cells[0].textContent + (owner ? "\n" + owner.getAttribute("data-search") : "");
      var match = !q || text.toLowerCase().indexOf(q) >= 0;
      r.hidden = !match;
      var next = r.nextElementSibling;
      if (!match && next && next.classList.contains("detail")) next.hidden = true;
    });
  }

  function expand(button) {
    var row = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    row.hidden = open;
    if (open || row.getAttribute("data-loaded")) return;
    var cell = row.cells[0];
    cell.textContent = i18n.loading || "…";
    fetch(button.getAttribute("data-detail-url"), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + r.statusText);
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        cell.textContent = "";
        Array.prototype.forEach.call(doc.body.childNodes, function (n) {
          cell.appendChild(document.importNode(n, true));
        });
        var uid = "detail-" + Math.random().toString(36).slice(2);
        cell.querySelectorAll("[data-chart]").forEach(function (el, i) {
          var source = cell.querySelector('script[type="application/json"]');
          if (!source) return;
          source.id = uid + "-" + i;
          el.setAttribute("data-chart", source.id);
        });
        row.setAttribute("data-loaded", "true");
        drawAll(cell);
      })
      .catch(function (err) {
        cell.textContent = (i18n.failed || "%(error)s").replace("%(error)s", err.message);
      });
  }

  /* Uploads: one request per file so each gets its own progress and result. */
  function uploadFiles(form, files) {
    var list = document.querySelector("[data-results]");
    var org = form.querySelector('input[name="org"]').value;
    var queue = Array.prototype.slice.call(files);
    function next() {
      var file = queue.shift();
      if (!file) return;
      var li = document.createElement("li");
      var label = document.createElement("strong");
      label.textContent = file.name;
      var status = document.createElement("span");
      status.textContent = ": " + (i18n.uploading || "…");
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      li.append(label, status, bar);
      list.appendChild(li);
      var data = new FormData();
      data.append("org", org);
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        bar.remove();
        var result;
        try { result = JSON.parse(xhr.responseText); } catch (e) { result = null; }
        var r = result && result.results ? result.results[0] : null;
        if (xhr.status === 200 && r && r.ok) {
          li.className = "ok";
          status.textContent = ": " + (r.outcome === "imported" ? i18n.imported : i18n.duplicate) + " — " + r.message;
        } else {
          li.className = "error";
          var msg = r ? r.error : (result && result.detail) || xhr.status + " " + xhr.statusText;
          status.textContent = ": " + i18n.error + " — " + msg;
        }
        li.setAttribute("data-done", li.className);
        next();
      };
      xhr.onerror = function () {
        bar.remove();
        li.className = "error";
        status.textContent = ": " + i18n.error;
        next();
      };
      xhr.send(data);
    }
    next();
  }

  function setupUpload() {
    var form = document.querySelector("[data-upload]");
    if (!form) return;
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("[data-file-input]");
    input.addEventListener("change", function () {
      uploadFiles(form, input.files);
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) { uploadFiles(form, e.dataTransfer.files); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      uploadFiles(form, input.files);
    });
  }

  /* Phone layout: the sidebar is a drawer that traps focus while open; Escape closes it. */
  function setupDrawer() {
    var toggle = document.querySelector("[data-drawer-toggle]");
    var drawer = document.querySelector("[data-drawer]");
    if (!toggle || !drawer) return;
    function focusables() {
      return drawer.querySelectorAll("a[href], button, select, input:not([type=hidden])");
    }
    function set(open) {
      drawer.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var f = focusables(); if (f.length) f[0].focus(); } else { toggle.focus(); }
    }
    toggle.addEventListener("click", function () { set(!drawer.classList.contains("open")); });
    document.addEventListener("keydown", function (e) {
      if (!drawer.classList.contains("open")) return;
      if (e.key === "Escape") { set(false); return; }
      if (e.key !== "Tab") return;
      var f = focusables(), first = f[0], last = f[f.length - 1];
      if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
    });
  }

  /* A bulk operation's page while it runs: follow its JSON twin every second (progress bar,
     counts, each item's status, request id and error), then reload to show the result. */
  function setupOperation() {
    var panel = document.querySelector("[data-operation][data-poll]");
    if (!panel) return;
    var source = document.getElementById("op-status-labels");
    var labels = source ? JSON.parse(source.textContent) : {};
    var url = panel.getAttribute("data-poll");
    function text(selector, value) {
      var el = document.querySelector(selector);
      if (el) el.textContent = value;
    }
    function show(op) {
      var total = op.counts.total;
      var bar = panel.querySelector("[data-op-progress]");
      if (bar) { bar.max = total; bar.value = op.done; bar.textContent = op.done + " / " + total; }
      text("[data-op-done]", op.done + " / " + total);
      text("[data-op-attempts]", op.attempts);
      Object.keys(op.counts).forEach(function (key) {
        text('[data-operation] [data-count="' + key + '"]', op.counts[key]);
      });
      op.items.forEach(function (item) {
        var row = document.querySelector('#items-table tr[data-item="' + item.id + '"]');
        if (!row || row.getAttribute("data-status") === item.status) return;
        row.setAttribute("data-status", item.status);
        var badge = document.createElement("span");
        badge.className = "badge " + item.status;
        badge.textContent = labels[item.status] || item.status;
        var cell = row.querySelector('[data-cell="status"]');
        cell.textContent = "";
        cell.appendChild(badge);
        row.querySelector('[data-cell="request_id"]').textContent = item.request_id || "—";
        row.querySelector('[data-cell="error"]').textContent = item.error || "";
      });
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(r.status + " " + r.statusText);
          return r.json();
        })
        .then(function (op) {
          show(op);
          if (op.state === "running") window.setTimeout(poll, 1000);
          else window.location.reload();
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  }

  /* A card's figure stays on one line inside its card: the font steps down (to 12 px at the
     least) until it fits, in any language and at any width. Without script it wraps. */
  function fitFigures() {
    document.documentElement.classList.add("fit-figures");
    document.querySelectorAll(".card .big").forEach(function (el) {
      el.style.fontSize = "";
      var size = parseFloat(window.getComputedStyle(el).fontSize);
      while (el.scrollWidth > el.clientWidth && size > 12) {
        size -= 1;
        el.style.fontSize = size + "px";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("i18n");
    if (source) i18n = JSON.parse(source.textContent);
    setupUpload();
    setupDrawer();
    setupOperation();
    document.addEventListener("click", function (e) {
      var sortButton = e.target.closest("th[aria-sort] button");
      if (sortButton) { sortTable(sortButton.parentNode); return; }
      var expandButton = e.target.closest("button.expand");
      if (expandButton) expand(expandButton);
    });
    document.querySelectorAll("[data-table-search]").forEach(function (input) {
      input.addEventListener("input", function () { search(input); });
    });
    /* A paged table's search: clearing the box (its ✕, or Escape) loads the table unsearched. */
    document.querySelectorAll("[data-table-search-form]").forEach(function (form) {
      var input = form.querySelector('input[name="q"]');
      var searched = input.value;
      input.addEventListener("search", function () {
        if (searched && !input.value) form.submit();
      });
    });
    fitFigures();
    var refit = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(refit);
      refit = window.setTimeout(fitFigures, 100);
    });
    /* The budget form's id field offers the known ids of the chosen scope (a <datalist> each). */
    document.querySelectorAll("[data-budget-form]").forEach(function (form) {
      var scope = form.querySelector('select[name="scope"]'), id = form.querySelector("input[data-scope-list]");
      if (!scope || !id) return;
      var pick = function () { id.setAttribute("list", "known-" + scope.value); };
      scope.addEventListener("change", pick);
      pick();
    });
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.hasAttribute("data-theme-select")) {
          document.documentElement.setAttribute("data-theme", select.value);
        }
        select.form.submit();
      });
    });
  });
})();
