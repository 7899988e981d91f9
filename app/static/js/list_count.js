/* 同心: a list page that showed its rows before counting them (a substring search on
   PostgreSQL, views/counting.py) asks its list/count/ address for the count, then writes
   it in the header and redraws the page links as Flask-AppBuilder draws them (seven pages
   around the current one, « < … > »). The server sends the Chinese words. */
(function () {
  "use strict";
  var pending = document.querySelector("[data-tx-list-count]");
  if (!pending || !window.fetch || !window.URLSearchParams) { return; }
  var pageArg = pending.getAttribute("data-tx-page-arg");

  function link(page) {
    var args = new URLSearchParams(window.location.search);
    args.set(pageArg, String(page));
    return window.location.pathname + "?" + args.toString();
  }

  function item(text, page, state) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.textContent = text;
    a.setAttribute("href", state ? "#" : link(page));
    if (state) { li.className = state; }
    li.appendChild(a);
    return li;
  }

  function pagination(page, pages) {
    var ul = document.createElement("ul");
    ul.className = "pagination pagination-sm";
    ul.style.display = "inherit";
    var min = page - 3, max = page + 4;
    if (min < 0) { max -= min; }
    if (max >= pages) { min = min - max + pages; }
    if (min < 0) { min = 0; }
    if (max >= pages) { max = pages; }
    ul.appendChild(item("\u00ab", 0, min > 0 ? "" : "disabled"));
    ul.appendChild(item("<", page - 1, page > 0 ? "" : "disabled"));
    for (var p = min; p < max; p += 1) {
      ul.appendChild(item(String(p + 1), p, p === page ? "active" : ""));
    }
    ul.appendChild(item(">", page + 1, page + 1 < pages ? "" : "disabled"));
    ul.appendChild(item("\u00bb", pages - 1, max < pages ? "" : "disabled"));
    return ul;
  }

  fetch(pending.getAttribute("data-tx-list-count"), {
    credentials: "same-origin", headers: { Accept: "application/json" }
  }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (data) {
    if (!data) { pending.textContent = "—"; return; }
    pending.textContent = data.text;
    pending.className = data.title ? "tx-count-capped" : "tx-count-done";
    if (data.title) { pending.setAttribute("title", data.title); }
    var pages = document.querySelector(".tx-pages");
    if (pages) {
      pages.textContent = "";
      if (data.pages > 1) { pages.appendChild(pagination(data.page, data.pages)); }
    }
  }).catch(function () { pending.textContent = "—"; });
}());
