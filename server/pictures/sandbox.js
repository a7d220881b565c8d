/* The sandbox page's shell: pick a Scrum group, then poll /board/state.json every few
   seconds and redraw with the shared renderer when the answer changed, so a person can
   watch an agent move cards. One request at a time: the next waits for the last; none
   while the tab is hidden. The status line changes only with the board, so a screen
   reader announces changes, not every poll. */
(function () {
  "use strict";
  var B = B24Board, pick = document.getElementById("group"), root = document.getElementById("root"),
    status = document.getElementById("status"), shown = "", timer = 0, run = 0, EVERY = 2000;

  function page(s) {
    var kids = [B.overview(s.overview)];
    if (s.report) kids.push(B.burndown(s.report));
    if (s.backlog) kids.push(B.backlog(s.backlog));
    return B.h("div", {}, kids);
  }
  function poll() {
    clearTimeout(timer);
    var mine = ++run, group = pick.value; // a newer poll() retires this chain
    if (document.hidden) return;
    fetch("/board/state.json?group=" + encodeURIComponent(group), { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (body) {
        if (mine !== run) return;
        if (body !== shown) {
          var s = JSON.parse(body);
          B.render(root, s.error ? B.view(s) : page(s));
          shown = body;
          document.body.setAttribute("data-version", String(s.version));
          status.textContent = "Changed at " + new Date().toLocaleTimeString();
        }
      })
      .catch(function (e) { if (mine === run) status.textContent = "Not reachable: " + e.message; })
      .then(function () { if (mine === run) timer = setTimeout(poll, EVERY); });
  }
  fetch("/board/groups.json").then(function (r) { return r.json(); }).then(function (g) {
    g.groups.forEach(function (x) {
      pick.appendChild(B.h("option", { value: x.id }, [x.name + " (" + x.id + ")"]));
    });
    var wanted = location.hash.slice(1) || String(g.default || "");
    if (wanted) pick.value = wanted;
    pick.addEventListener("change", function () { location.hash = pick.value; shown = ""; poll(); });
    document.addEventListener("visibilitychange", poll);
    poll();
  });
})();
