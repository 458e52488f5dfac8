/// The console's one stylesheet and its one small script (served by the server itself; nothing from elsewhere).
enum ConsoleStyle {
    static let css = """
        :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --bad: #b42318; --good: #1a7f37; --warn: #9a6700; --paper: #fff; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f8fa; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #f2b90c; outline-offset: 1px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--paper); padding: 4px 8px; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px; padding: 10px 16px; background: var(--ink); color: #fff; }
        header.top a { color: #fff; } .brand { font-weight: 700; text-decoration: none; }
        nav a { margin-right: 14px; }
        .signout { margin-left: auto; display: flex; gap: 8px; align-items: center; }
        .signout button { background: transparent; color: #fff; border: 1px solid #fff; }
        main { max-width: 1100px; margin: 0 auto; padding: 16px; overflow-wrap: anywhere; }
        bdi { unicode-bidi: isolate; }
        h1 { font-size: 1.5rem; margin: 8px 0 16px; } h2 { font-size: 1.15rem; margin-top: 28px; }
        table { width: 100%; border-collapse: collapse; background: var(--paper); }
        th, td { text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid var(--line); }
        tr.overdue td { background: #fff4e5; }
        .card { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 16px; margin: 12px 0; max-width: 720px; }
        .cards { list-style: none; padding: 0; } .cards li { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 8px 0; }
        .cards li.overdue { border-left: 6px solid var(--warn); }
        label { display: block; font-weight: 600; margin-top: 12px; } label small { font-weight: 400; color: var(--muted); }
        input, select, textarea { width: 100%; max-width: 560px; font: inherit; padding: 8px; border: 1px solid #8c959f; border-radius: 4px; background: #fff; }
        input[type=checkbox] { width: auto; margin-right: 6px; }
        textarea { min-height: 4.5em; }
        button, .button { display: inline-block; margin-top: 14px; font: inherit; font-weight: 600; padding: 8px 16px; border-radius: 4px; border: 1px solid var(--accent);
          background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        button.secondary { background: #fff; color: var(--accent); }
        button[disabled] { opacity: .5; cursor: not-allowed; }
        .hint { color: var(--muted); font-size: .9rem; margin: 4px 0; }
        .error { color: var(--bad); } .field.invalid input, .field.invalid select, .field.invalid textarea { border: 2px solid var(--bad); }
        .notice, .message { background: #ddf4ff; border: 1px solid #54aeff; padding: 10px 14px; border-radius: 6px; }
        .ok { color: var(--good); font-weight: 600; }
        .state { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #eaeef2; font-size: .85rem; }
        .state-succeeded, .state-run { background: #dafbe1; } .state-failed, .state-error { background: #ffebe9; }
        .state-running, .state-waiting, .state-conditional { background: #fff8c5; } .state-skip, .state-skipped, .state-cancelled { color: var(--muted); }
        .badge { background: var(--warn); color: #fff; border-radius: 10px; padding: 0 8px; font-size: .8rem; }
        .facts { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: 4px 16px; background: var(--paper); padding: 12px 16px; border: 1px solid var(--line); border-radius: 6px; }
        .facts dt { font-weight: 600; } .facts dd { margin: 0; }
        .timeline { list-style: none; padding: 0; border-left: 3px solid var(--accent); margin-left: 8px; }
        .timeline > li { position: relative; margin: 0 0 12px 0; padding: 8px 12px 8px 18px; background: var(--paper); border: 1px solid var(--line); border-radius: 6px; margin-left: 12px; }
        .timeline > li.skipped { opacity: .65; } .timeline ul { margin: 4px 0; } .timeline p { margin: 2px 0; } .when { font-weight: 600; } .action { font-family: ui-monospace, monospace; font-size: .9rem; }
        .history { font-size: .9rem; } .history time { color: var(--muted); font-family: ui-monospace, monospace; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; margin-bottom: 12px; } .filters label { margin: 0; } .filters select { width: auto; }
        .filters button { margin: 0; }
        iframe.pack { width: 100%; height: 70vh; border: 1px solid var(--line); background: #fff; }
        .instructions { white-space: pre-wrap; background: var(--paper); border-left: 4px solid var(--accent); padding: 8px 12px; }
        @media (max-width: 700px) {
          table.steps thead { display: none; } table.steps td { display: block; border: 0; padding: 2px 8px; } table.steps tr { display: block; border-bottom: 1px solid var(--line); padding: 6px 0; }
          table.steps td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
          table.steps td:empty, table.steps td:has(> bdi:only-child:empty) { display: none; }
          .facts { grid-template-columns: minmax(0, 1fr); } .facts dd { margin-bottom: 6px; }
        }
        @media print { header.top, form, .filters, .skip, .downloads { display: none; } body { background: #fff; } main { max-width: none; } }
        """

    /// Keeps the regions marked `data-live-region` current without reloading (every 5 s while the tab is visible),
    /// and shows times marked `data-local` in the browser's own zone; the pages work the same without it.
    static let liveScript = """
        (function () {
          // Times a person reads (a task's due time) in the browser's own zone; the page's text is UTC without it.
          function localize(root) {
            if (!window.Intl) return;
            root.querySelectorAll('time[data-local][datetime]').forEach(function (time) {
              var date = new Date(time.getAttribute('datetime'));
              if (isNaN(date.getTime())) return;
              time.title = time.textContent;
              time.textContent = date.toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
            });
          }
          var regions = document.querySelectorAll('[data-live-region][id]');
          // What the server last sent for each region, before the times in it were localized: a region is replaced
          // only when that changes, not because the page localized its own copy.
          var served = {};
          regions.forEach(function (region) { served[region.id] = region.innerHTML; });
          localize(document);
          if (!regions.length || !window.fetch || !window.DOMParser) return;
          function refresh() {
            if (document.hidden) return;
            fetch(window.location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
              .then(function (response) { return response.ok ? response.text() : null; })
              .then(function (html) {
                if (!html) return;
                var fresh = new DOMParser().parseFromString(html, 'text/html');
                regions.forEach(function (region) {
                  var next = fresh.getElementById(region.id);
                  if (!next || next.innerHTML === served[region.id]) return;
                  served[region.id] = next.innerHTML;
                  region.innerHTML = next.innerHTML;
                  localize(region);
                });
              })
              .catch(function () {});
          }
          setInterval(refresh, 5000);
        })();
        """
}
