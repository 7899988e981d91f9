/* 同心: the navbar badge of 我的待办, asked for once the page is shown (the page itself
   does not wait for the to-do counts). The server sends the badge's Chinese title. */
(function () {
  "use strict";
  var badge = document.querySelector("[data-tx-todo-count]");
  if (!badge || !window.fetch) { return; }
  fetch(badge.getAttribute("data-tx-todo-count"), {
    credentials: "same-origin", headers: { Accept: "application/json" }
  }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (data) {
    if (data && data.count > 0) {
      badge.textContent = String(data.count);
      badge.setAttribute("title", data.title);
      badge.hidden = false;
    }
  }).catch(function () { /* no badge: the to-do page still lists everything */ });
}());
