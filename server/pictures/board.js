/* The one renderer: a sprint board, a backlog and a burndown from the workbench tools'
   structured results (camelCase, as the output schemas say). Both shells use it: the MCP
   Apps view (app.js) and the sandbox's own page (sandbox.js). DOM nodes only, no
   innerHTML, so a task title is always text, never markup. */
(function (global) {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg", seq = 0;

  function h(tag, attrs, kids) {
    var el = tag.indexOf("svg:") === 0
      ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] != null) el.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) {
      if (c != null) el.appendChild(typeof c === "object" ? c : document.createTextNode(c));
    });
    return el;
  }
  function pts(n) { return n === 1 ? "1 point" : n + " points"; }
  function tally(t) { return t.tasks + (t.tasks === 1 ? " task, " : " tasks, ") + pts(t.points); }

  function card(c) {
    var est = c.points != null ? c.points : c.estimate;
    return h("li", { "class": "card", "data-id": c.id }, [
      h("span", { "class": "title" }, [c.title]),
      h("span", { "class": "meta" }, [
        est != null ? h("span", { "class": "pts", title: "story points" },
          [c.points != null ? pts(c.points) : est]) : h("span", { "class": "pts none" }, ["no estimate"]),
        h("span", { "class": "who" }, [c.responsible || (c.responsibleId ? "user " + c.responsibleId : "unassigned")])
      ]),
      c.epic ? h("span", { "class": "epic" }, [c.epic]) : null
    ]);
  }

  function column(name, type, cards, totals) {
    var id = "col-" + (++seq);
    return h("section", { "class": "column", "data-type": type, "aria-labelledby": id }, [
      h("h3", { id: id }, [name, " ", h("small", {}, [tally(totals)])]),
      h("ul", {}, cards.map(card))
    ]);
  }

  function sprintHead(s, level) {
    var bits = [s.dateStart.slice(0, 10) + " to " + s.dateEnd.slice(0, 10), s.status];
    if (s.daysLeft != null) bits.push(s.daysLeft >= 0 ? s.daysLeft + " days left" : -s.daysLeft + " days overdue");
    return [h(level, {}, [s.name]), h("p", { "class": "sub" }, [bits.join(" · ")]),
      s.goal ? h("p", { "class": "goal" }, ["Goal: " + s.goal]) : null];
  }

  /* `level`: the heading of a board or report shown on its own is the page's h1. */
  function board(b, level) {
    var cols = b.columns.map(function (c) { return column(c.name, c.type, c.tasks, c.totals); });
    if (b.offBoard && b.offBoard.length) {
      var t = { tasks: b.offBoard.length, points: b.offBoard.reduce(function (a, c) { return a + (c.points || 0); }, 0) };
      cols.push(column("Not on the board", "NONE", b.offBoard, t));
    }
    return h("section", { "class": "board", "aria-label": "Sprint board" }, sprintHead(b.sprint, level || "h2").concat([
      h("p", { "class": "sub" }, ["Committed: " + tally(b.totals) + "; done: " + tally(b.done)]),
      h("div", { "class": "columns" }, cols)
    ]));
  }

  function backlog(p) {
    return h("section", { "class": "backlog", "aria-labelledby": "backlog-h" }, [
      h("h2", { id: "backlog-h" }, ["Backlog ", h("small", {}, [tally(p.totals)])]),
      h("ol", {}, p.items.map(card))
    ]);
  }

  function burndown(r, level) {
    var days = r.burndown, W = 560, H = 220, L = 40, B = 30, T = 10, R = 10;
    var top = Math.max(1, r.committed.points, Math.max.apply(null, days.map(function (d) {
      return Math.max(d.ideal, d.remaining || 0); })));
    function x(i) { return L + (days.length < 2 ? 0 : i * (W - L - R) / (days.length - 1)); }
    function y(v) { return T + (H - T - B) * (1 - v / top); }
    function line(cls, key) {
      var p = [];
      days.forEach(function (d, i) { if (d[key] != null) p.push(x(i).toFixed(1) + "," + y(d[key]).toFixed(1)); });
      return h("svg:polyline", { "class": cls, points: p.join(" ") });
    }
    var last = null;
    days.forEach(function (d) { if (d.remaining != null) last = d; });
    var desc = "Ideal line from " + pts(days.length ? days[0].ideal : 0) + " to 0 over " + days.length + " days" +
      (last ? "; " + pts(last.remaining) + " remaining on " + last.date : "") + ".";
    var kids = [h("svg:title", { id: "bd-t" }, ["Burndown of " + r.sprint.name]), h("svg:desc", { id: "bd-d" }, [desc])];
    [0, Math.round(top / 2), top].forEach(function (v) {
      kids.push(h("svg:line", { "class": "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      kids.push(h("svg:text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, [String(Math.round(v))]));
    });
    var lastAt = days.indexOf(last);
    if (days.length) {
      [0, days.length - 1].concat(lastAt > 0 && lastAt < days.length - 1 ? [lastAt] : []).forEach(function (i) {
        kids.push(h("svg:text", { x: x(i), y: H - 10, "text-anchor": i === days.length - 1 ? "end" : i ? "middle" : "start" }, [days[i].date.slice(5)]));
      });
    }
    kids.push(line("ideal", "ideal"), line("actual", "remaining"));
    var rows = days.map(function (d) {
      return h("tr", {}, [h("td", {}, [d.date]), h("td", {}, [String(d.ideal)]), h("td", {}, [d.remaining != null ? String(d.remaining) : "–"])]);
    });
    return h("section", { "class": "report", "aria-labelledby": "bd-h" }, [
      h(level || "h2", { id: "bd-h" }, ["Burndown: " + r.sprint.name]),
      h("p", { "class": "sub" }, ["Committed " + tally(r.committed) + "; completed " + tally(r.completed) +
        (r.averageVelocity != null ? "; average velocity " + pts(r.averageVelocity) + " (last " + r.velocity.length + " sprints)" : "")]),
      h("svg:svg", { "class": "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "bd-t bd-d" }, kids),
      h("p", { "class": "legend" }, [h("span", { "class": "key ideal" }, []), "ideal ", h("span", { "class": "key actual" }, []), "remaining"]),
      h("ul", { "class": "sub notes" }, (r.approximations || []).map(function (n) { return h("li", {}, [n]); })),
      h("details", {}, [h("summary", {}, ["Burndown numbers"]),
        h("table", {}, [h("thead", {}, [h("tr", {}, [h("th", {}, ["Date"]), h("th", {}, ["Ideal"]), h("th", {}, ["Remaining"])])]),
          h("tbody", {}, rows)])])
    ]);
  }

  function overview(o) {
    return h("div", {}, [
      h("h1", {}, [o.name || "Group " + o.groupId]),
      h("p", { "class": "sub" }, ["Backlog: " + tally(o.backlog.totals) + " · " + o.plannedSprints.length +
        " planned, " + o.completedSprints + " completed sprints"]),
      o.activeSprint ? board(o.activeSprint) : h("p", {}, ["No active sprint."])
    ]);
  }

  /* Anything the workbench answers that we can draw; an error or another tool's answer
     comes back as its text. */
  function view(data) {
    if (!data || typeof data !== "object") return h("p", {}, ["Nothing to show."]);
    if (data.columns) return h("div", {}, [board(data, "h1")]);
    if (data.burndown) return h("div", {}, [burndown(data, "h1")]);
    if (data.backlog && data.plannedSprints) return overview(data);
    if (data.items && data.backlogId) return h("div", {}, [backlog(data)]);
    if (data.error) {
      var code = data.error !== "0" ? " (" + data.error + ")" : "";
      return h("p", { role: "alert" }, [(data.error_description || "Failed") + code]);
    }
    return h("pre", {}, [JSON.stringify(data, null, 2)]);
  }

  function render(root, node) { root.replaceChildren(node); }

  global.B24Board = { h: h, view: view, render: render, board: board, backlog: backlog, burndown: burndown, overview: overview };
})(window);
