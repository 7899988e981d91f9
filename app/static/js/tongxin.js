/* 同心: page set-up (replaces FAB's ab.js). Every text comes from window.TX_I18N, which
   the server fills through Babel, so nothing here is English on a Chinese page. */
(function ($) {
  "use strict";
  var T = window.TX_I18N || {};

  var select2Language = {
    errorLoading: function () { return T.errorLoading; },
    inputTooLong: function () { return T.inputTooLong; },
    inputTooShort: function () { return T.inputTooShort; },
    loadingMore: function () { return T.loadingMore; },
    maximumSelected: function () { return T.maximumSelected; },
    noResults: function () { return T.noResults; },
    searching: function () { return T.searching; },
    removeAllItems: function () { return T.removeAllItems; }
  };
  $.fn.select2.defaults.set("language", select2Language);
  $.fn.select2.defaults.set("theme", "bootstrap");

  if ($.fn.datepicker) {
    $.fn.datepicker.dates.tx = T.datepicker;
    $.fn.datepicker.defaults.language = "tx";
  }

  function remoteSelect(elem) {
    var $el = $(elem);
    $el.select2({
      placeholder: $el.data("placeholder") || T.select,
      allowClear: !$el.prop("multiple"),
      width: "100%",
      ajax: {
        url: $el.data("endpoint"),
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term || "", page: params.page || 1 }; },
        processResults: function (data) {
          return { results: data.results || [], pagination: data.pagination || { more: false } };
        }
      }
    });
  }

  // a relation filter added to a list's search form (ab_filters.js) searches the same way
  window.TX_REMOTE_SELECT = remoteSelect;

  window.ab_alert = function (text) {
    $("#modal-alert").on("show.bs.modal", function () { $(".modal-text").text(text); });
    $("#modal-alert").modal("show");
  };

  $(function () {
    $(".appbuilder_datetime").datepicker({ format: "yyyy-mm-dd", language: "tx" });
    $(".appbuilder_date").datepicker({ format: "yyyy-mm-dd", language: "tx" });
    $(".my_select2").select2({ placeholder: T.select, allowClear: true });
    $(".my_select2.readonly").select2("readonly", true);
    $(".tx-remote-select").each(function () { remoteSelect(this); });
    $(".confirm").on("click", function () { $(".modal-text").text($(this).data("text")); });
    $("#modal-confirm").on("show.bs.modal", function (e) {
      $(this).find("#modal-confirm-ok").attr("href", $(e.relatedTarget).data("href"));
    });
    $("form.tx-confirm").on("submit", function (e) {
      if (!window.confirm($(this).data("confirm"))) { e.preventDefault(); }
    });
    $(".my_change").on("change", function () {
      var form = document.getElementById("model_form");
      form.action = ""; form.method = "get"; form.submit();
    });
  });
}(jQuery));
