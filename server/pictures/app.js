/* The MCP Apps shell: the View side of the ext-apps handshake over postMessage.
   ui/initialize (a request) -> the host's answer -> ui/notifications/initialized; then the
   host sends ui/notifications/tool-result with the CallToolResult, whose
   structuredContent the shared renderer draws. The view makes no network request. */
(function () {
  "use strict";
  var root = document.getElementById("root"), nextId = 1, waiting = {}, lastH = 0;

  function post(msg) { msg.jsonrpc = "2.0"; window.parent.postMessage(msg, "*"); }
  function request(method, params) {
    var id = nextId++;
    post({ id: id, method: method, params: params });
    return new Promise(function (resolve) { waiting[id] = resolve; });
  }
  function context(c) {
    if (c && c.theme) document.documentElement.setAttribute("data-theme", c.theme);
    var vars = c && c.styles && c.styles.variables;
    for (var k in vars || {}) if (vars[k]) document.documentElement.style.setProperty(k, vars[k]);
  }
  function show(result) {
    var data = result && result.structuredContent;
    if (result && result.isError && !data) data = { error: "ERROR", error_description: text(result) };
    B24Board.render(root, data ? B24Board.view(data) : B24Board.h("pre", {}, [text(result)]));
    document.documentElement.setAttribute("data-shown", data && data.error ? "error" : "result");
  }
  function note(line) { B24Board.render(root, B24Board.h("p", {}, [line])); }
  function text(result) {
    return ((result && result.content) || []).map(function (c) { return c.text || ""; }).join("\n");
  }
  function size() {
    var el = document.body, height = Math.ceil(el.getBoundingClientRect().height);
    if (height !== lastH) {
      lastH = height;
      post({ method: "ui/notifications/size-changed", params: { width: Math.ceil(el.scrollWidth), height: height } });
    }
  }

  window.addEventListener("message", function (event) {
    var m = event.data;
    if (event.source !== window.parent || !m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined && waiting[m.id]) {
      var done = waiting[m.id]; delete waiting[m.id]; done(m);
    } else if (m.method === "ui/notifications/tool-result") show(m.params);
    else if (m.method === "ui/notifications/tool-cancelled") note("The tool call was cancelled.");
    else if (m.method === "ui/notifications/host-context-changed") context(m.params);
    else if (m.method === "ui/resource-teardown" || m.method === "ping") post({ id: m.id, result: {} });
  });

  request("ui/initialize", {
    protocolVersion: "2026-01-26",
    appInfo: { name: "bitrix24-scrum-board", version: "1" },
    appCapabilities: { availableDisplayModes: ["inline"] }
  }).then(function (answer) {
    context(answer.result && answer.result.hostContext);
    post({ method: "ui/notifications/initialized", params: {} });
    if (window.ResizeObserver) new ResizeObserver(size).observe(document.body);
  });
})();
