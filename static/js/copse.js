/* Copse: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  if (zone) {
    // Visitors who are not logged in see times in their browser's zone from the next page on.
    if (document.body.getAttribute("data-visitor") === "1") {
      var cookie = "copse_tz=" + zone.replace(/[^A-Za-z0-9/_+-]/g, "");
      if (document.cookie.split("; ").indexOf(cookie) === -1) {
        document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax";
      }
    }
    // Sign-up: start from the browser's zone unless the person already chose one.
    document.querySelectorAll("input[data-detect-timezone]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      var offered = list && list.querySelector('option[value="' + zone.replace(/"/g, "") + '"]');
      if (offered && (!input.value || input.value === input.defaultValue) && !input.dataset.chosen) {
        input.value = zone;
      }
      input.addEventListener("input", function () { input.dataset.chosen = "1"; });
    });
  }
})();

/* @mentions: typing "@" and a few letters in a text box of a community offers its members;
   choosing one inserts "@Handle" (the display name without spaces). Without JavaScript,
   typing "@Display Name" or "@handle" works the same. */
(function () {
  "use strict";
  var scope = document.querySelector("[data-mentions-url]");
  if (!scope || !window.fetch) return;
  var url = scope.getAttribute("data-mentions-url");
  var counter = 0;

  function attach(area) {
    var list = document.createElement("ul");
    list.className = "mention-suggestions";
    list.setAttribute("role", "listbox");
    list.id = "mention-list-" + (++counter);
    list.hidden = true;
    area.insertAdjacentElement("afterend", list);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    var items = [], active = -1, start = -1, pending = 0;

    function close() { list.hidden = true; list.innerHTML = ""; items = []; active = -1; }
    function highlight(i) {
      active = i;
      items.forEach(function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
      if (i >= 0) area.setAttribute("aria-activedescendant", items[i].id);
      else area.removeAttribute("aria-activedescendant");
    }
    function choose(i) {
      var handle = items[i].getAttribute("data-handle");
      var caret = area.selectionStart;
      area.value = area.value.slice(0, start) + "@" + handle + " " + area.value.slice(caret);
      var at = start + handle.length + 2;
      area.setSelectionRange(at, at);
      close();
      area.focus();
    }
    function query() {
      var caret = area.selectionStart;
      var before = area.value.slice(0, caret);
      var match = /(^|[^\w@])@([\w.+-]{1,30})$/.exec(before);
      if (!match) { close(); return; }
      start = caret - match[2].length - 1;
      var ticket = ++pending;
      fetch(url + "?q=" + encodeURIComponent(match[2]), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {members: []}; })
        .then(function (data) {
          if (ticket !== pending) return;
          close();
          (data.members || []).forEach(function (m, n) {
            var li = document.createElement("li");
            li.id = list.id + "-" + n;
            li.setAttribute("role", "option");
            li.setAttribute("data-handle", m.handle);
            li.textContent = m.name + " (@" + m.handle + ")";
            li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(n); });
            list.appendChild(li);
            items.push(li);
          });
          list.hidden = items.length === 0;
          highlight(items.length ? 0 : -1);
        })
        .catch(close);
    }
    area.addEventListener("input", query);
    area.addEventListener("blur", function () { setTimeout(close, 150); });
    area.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (e.key === "Enter" || e.key === "Tab") { if (active >= 0) { e.preventDefault(); choose(active); } }
      else if (e.key === "Escape") { close(); }
    });
  }
  scope.querySelectorAll("textarea").forEach(attach);
})();

/* Forms that depend on a choice show only the fields of that choice
   (`data-show-for="field:value"`); without JavaScript every field shows. */
(function () {
  "use strict";
  var blocks = document.querySelectorAll("[data-show-for]");
  if (!blocks.length) return;
  function update() {
    blocks.forEach(function (block) {
      var parts = block.getAttribute("data-show-for").split(":");
      var form = block.closest("form");
      var checked = form && form.querySelector('input[name="' + parts[0] + '"]:checked');
      block.hidden = !!checked && checked.value !== parts[1];
    });
  }
  document.addEventListener("change", update);
  update();
})();

/* The series form previews its next dates as one chooses. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var box = form && form.querySelector(".series-preview");
  if (!form || !box || !window.fetch) return;
  var timer = 0, ticket = 0;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrfmiddlewaretoken");
    var mine = ++ticket;
    fetch(form.getAttribute("data-preview-url") + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (mine === ticket) box.innerHTML = html; })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();

/* Long checkbox lists (hosts) get a filter box. */
(function () {
  "use strict";
  document.querySelectorAll("[data-filterable]").forEach(function (first) {
    var group = first.closest("div[id]") || first.parentElement;
    if (!group || group.dataset.filterReady) return;
    group.dataset.filterReady = "1";
    var labels = group.querySelectorAll("label");
    if (labels.length < 6) return;
    var input = document.createElement("input");
    input.type = "search";
    input.className = "list-filter";
    input.setAttribute("aria-label", "Filter the list");
    input.placeholder = "Type a name…";
    group.insertAdjacentElement("beforebegin", input);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      labels.forEach(function (label) {
        var item = label.closest("div") || label;
        item.hidden = q !== "" && label.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  });
})();

/* A form sent back with errors starts at its error summary. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();

/* Quoting a passage: select words in a story, a practice or a comment on a page that has a
   comment box, and a "Quote" button appears beside the selection; it adds the passage to
   the comment box as a Markdown quote. Without JavaScript, "> " before a line quotes it. */
(function () {
  "use strict";
  var box = document.querySelector("#comments textarea[name=body]");
  if (!box || !window.getSelection) return;
  var section = document.getElementById("comments");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "quote-selection small";
  button.hidden = true;
  button.textContent = section.getAttribute("data-quote-label") || "Quote";
  document.body.appendChild(button);
  var passage = "";

  function quotableOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element && element.closest(".prose, [data-quotable]");
  }

  function place() {
    var selection = window.getSelection();
    var text = selection && selection.rangeCount ? selection.toString().trim() : "";
    if (!text || !quotableOf(selection.anchorNode) || quotableOf(selection.anchorNode) !== quotableOf(selection.focusNode)
        || box.contains(selection.anchorNode)) {
      button.hidden = true;
      return;
    }
    passage = text.slice(0, 2000);
    var rect = selection.getRangeAt(0).getBoundingClientRect();
    button.style.top = (window.scrollY + rect.bottom + 6) + "px";
    button.style.left = Math.max(8, Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - 140)) + "px";
    button.hidden = false;
  }

  var timer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(timer);
    timer = setTimeout(place, 150);
  });
  button.addEventListener("mousedown", function (event) { event.preventDefault(); });
  button.addEventListener("click", function () {
    var quoted = passage.split(/\r?\n/).map(function (line) {
      return line.trim() ? "> " + line : ">";
    }).join("\n") + "\n\n";
    var before = box.value && !/\n\n$/.test(box.value) ? box.value.replace(/\s*$/, "") + "\n\n" : box.value;
    box.value = before + quoted;
    button.hidden = true;
    window.getSelection().removeAllRanges();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
    box.scrollIntoView({ block: "center" });
  });
})();
