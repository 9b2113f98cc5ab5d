// netsynth dashboard: live updates by polling the JSON API, and in-place table updates
// with HTML fragments the server renders (and escapes). No framework, no CDN.
"use strict";

(function () {
  const POLL_MS = 2000;
  const FINAL_STATES = new Set(["COMPLETED", "FAILED", "STOPPED"]);
  const PLOT_CONFIG = { responsive: true, displaylogo: false };

  async function fetchOk(url, options) {
    const response = await fetch(url, options);
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response;
  }
  const getJSON = async (url) => (await fetchOk(url, { headers: { Accept: "application/json" } })).json();
  const getHTML = async (url) => (await fetchOk(url)).text();

  function readJSON(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function draw(element, figure) {
    if (!window.Plotly || !figure) return;
    window.Plotly.react(element, figure.data, figure.layout, PLOT_CONFIG);
  }

  // An experiment's plots are drawn when they scroll into view: with 10,000 trials each takes
  // a few hundred milliseconds, and the table above them should not wait for that.
  const figures = new WeakMap();
  const plotObserver = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
        entries.forEach((entry) => {
          if (!entry.isIntersecting) return;
          plotObserver.unobserve(entry.target);
          entry.target.dataset.drawn = "true";
          draw(entry.target, figures.get(entry.target));
        });
      }, { rootMargin: "200px" })
    : null;

  function drawWhenVisible(element, figure) {
    figures.set(element, figure);
    if (plotObserver === null || element.dataset.drawn) {
      draw(element, figure);
    } else {
      plotObserver.observe(element);
    }
  }

  function format(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "number" && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
    return String(value);
  }

  function setField(root, field, value) {
    root.querySelectorAll('[data-field="' + field + '"]').forEach((element) => {
      element.textContent = value;
    });
  }

  function seconds(value) {
    if (value >= 3600) return (value / 3600).toFixed(1) + " h";
    if (value >= 60) return (value / 60).toFixed(1) + " min";
    return Number(value.toPrecision(3)) + " s";
  }

  // -- Experiments --------------------------------------------------------------------------

  function experimentsPage(main) {
    const body = main.querySelector("tbody");
    setInterval(async () => {
      try {
        body.innerHTML = await getHTML(main.dataset.rows);
      } catch (error) {
        console.warn(error);
      }
    }, POLL_MS * 2);
  }

  // -- Experiment ---------------------------------------------------------------------------

  function curveList(container, curves) {
    // One plot per {metric, figure}; kept across polls so plotly updates them in place.
    if (!curves || !curves.length) return;
    const empty = container.querySelector(".empty");
    if (empty) empty.remove();
    curves.forEach((curve) => {
      let plot = container.querySelector('[data-metric="' + CSS.escape(curve.metric) + '"]');
      if (!plot) {
        plot = document.createElement("div");
        plot.className = "plot";
        plot.dataset.metric = curve.metric;
        container.appendChild(plot);
      }
      draw(plot, curve.figure);
    });
  }

  function plotSections(container, plots) {
    const seen = new Set();
    plots.forEach((plot) => {
      seen.add(plot.id);
      let section = container.querySelector('[data-plot="' + CSS.escape(plot.id) + '"]');
      if (!section) {
        section = document.createElement("section");
        section.className = "plot";
        section.dataset.plot = plot.id;
        const title = document.createElement("h3");
        title.textContent = plot.title;
        section.appendChild(title);
        section.appendChild(document.createElement("div"));
        container.appendChild(section);
      }
      drawWhenVisible(section.querySelector("div"), plot.figure);
    });
    container.querySelectorAll("[data-plot]").forEach((section) => {
      if (!seen.has(section.dataset.plot)) section.remove();
    });
    const empty = document.getElementById("plots-empty");
    if (empty) empty.hidden = plots.length > 0;
  }

  function runningList(list, running, base) {
    list.replaceChildren(
      ...running.map((trial) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = base + "/trials/" + trial.number;
        link.textContent = "trial " + trial.number;
        item.appendChild(link);
        const note = [trial.architecture || "", trial.steps + " steps"];
        if (trial.last !== null) note.push("last " + format(trial.last));
        item.appendChild(document.createTextNode(" " + note.join(" · ")));
        return item;
      }),
    );
  }

  function experimentPage(main) {
    const box = document.getElementById("trial-table-box");
    const form = document.getElementById("filter");
    let query = location.search.replace(/^\?/, "");

    async function loadTable(next) {
      query = next;
      const suffix = query ? "?" + query : "";
      try {
        box.innerHTML = await getHTML(main.dataset.table + suffix);
        history.replaceState(null, "", main.dataset.url + suffix);
      } catch (error) {
        console.warn(error);
      }
    }

    box.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-query]");
      if (!link) return;
      event.preventDefault();
      loadTable(link.dataset.query);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const params = new URLSearchParams(new FormData(form));
      [...params.keys()].forEach((key) => {
        if (!params.get(key)) params.delete(key);
      });
      loadTable(params.toString());
    });
    form.addEventListener("change", () => form.requestSubmit());

    async function loadPlots() {
      try {
        plotSections(document.getElementById("plots"), await getJSON(main.dataset.plots));
      } catch (error) {
        console.warn(error);
      }
    }

    const live = document.getElementById("live");
    const curves = document.getElementById("live-curves");
    let finished = null;
    let timer = null;

    async function poll() {
      let status;
      try {
        status = await getJSON(main.dataset.live);
      } catch (error) {
        console.warn(error);
        return;
      }
      const summary = status.summary;
      setField(main, "state", summary.state);
      setField(main, "reason", summary.reason || "");
      setField(main, "done", summary.done);
      setField(main, "running", summary.running);
      setField(main, "failed", summary.failed);
      setField(main, "best", format(summary.best));
      setField(main, "duration", seconds(summary.duration_s));
      main.querySelectorAll("progress").forEach((bar) => {
        bar.value = summary.done;
      });
      live.hidden = status.running.length === 0;
      runningList(document.getElementById("running"), status.running, main.dataset.url);
      if (status.curves) draw(curves, status.curves);
      if (finished !== null && status.finished !== finished) {
        loadTable(query);
        loadPlots();
      }
      finished = status.finished;
      if (FINAL_STATES.has(summary.state) && status.running.length === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    }

    loadPlots();
    poll();
    timer = setInterval(poll, POLL_MS);
  }

  // -- Model --------------------------------------------------------------------------------

  function tokenHeaders(form) {
    const headers = { "Content-Type": "application/json" };
    const field = form.querySelector('input[name="token"]');
    if (field && field.value) headers["X-Netsynth-Token"] = field.value;
    return headers;
  }

  async function send(url, options, result) {
    result.textContent = "working…";
    try {
      const response = await fetch(url, options);
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        result.textContent = "refused: " + (body.error || response.status);
        return null;
      }
      return body;
    } catch (error) {
      result.textContent = "failed: " + error.message;
      return null;
    }
  }

  function modelPage(main) {
    const curves = document.getElementById("curves");
    curveList(curves, readJSON("curve-data"));

    const form = document.getElementById("pick-form");
    const result = document.getElementById("pick-result");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = JSON.stringify({ trial: Number(main.dataset.trial) });
      const done = await send(main.dataset.pick, { method: "POST", headers: tokenHeaders(form), body }, result);
      if (!done) return;
      result.textContent = done.folder
        ? "picked; exported to " + done.folder + " in the output folder"
        : "picked (this experiment has no netsynth-trained model to export)";
    });
    const unpick = document.getElementById("unpick");
    if (unpick) {
      unpick.addEventListener("click", async () => {
        const done = await send(main.dataset.pick, { method: "DELETE", headers: tokenHeaders(form) }, result);
        if (done) result.textContent = "unpicked";
      });
    }

    if (!main.dataset.poll) return;
    const timer = setInterval(async () => {
      let detail;
      try {
        detail = await getJSON(main.dataset.poll);
      } catch (error) {
        console.warn(error);
        return;
      }
      setField(main, "state", detail.row.state);
      setField(main, "reason", detail.row.reason || "");
      setField(main, "value", format(detail.row.value));
      curveList(curves, detail.curves);
      if (detail.row.state !== "RUNNING") clearInterval(timer);
    }, POLL_MS);
  }

  // -- Compare ------------------------------------------------------------------------------

  function comparePage() {
    draw(document.getElementById("compare-curves"), readJSON("compare-data"));
  }

  const pages = { experiments: experimentsPage, experiment: experimentPage, model: modelPage, compare: comparePage };
  document.addEventListener("DOMContentLoaded", () => {
    const main = document.querySelector("main[data-page]");
    const page = main && pages[main.dataset.page];
    if (page) page(main);
  });
})();
